using Watcher.Maintenance;

namespace Watcher.Tests.Maintenance;

public sealed class DeepCheckerTests : IDisposable
{
    private static readonly TimeSpan Age = TimeSpan.FromDays(1);

    private readonly TestCacheDir _cache = new();

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task Check_IntactNars_FindsNothing()
    {
        _cache.Add("a", Age);

        Assert.Empty(await CheckAsync());
    }

    [Fact]
    public async Task Check_SameSizeOtherBytes_IsAFileHashProblem()
    {
        var a = _cache.Add("a", Age);
        string file = Path.Combine(_cache.Root, a.Url);
        byte[] bytes = File.ReadAllBytes(file);
        bytes[0] ^= 0xff;
        File.WriteAllBytes(file, bytes);

        var problem = Assert.Single(await CheckAsync());

        Assert.Equal(ProblemKind.FileHash, problem.Kind);
        Assert.Equal(a.Url, problem.Object);
    }

    [Fact]
    public async Task Check_NarHashDifferentFromNarInfo_IsANarHashProblem()
    {
        var a = _cache.Add("a", Age);
        File.WriteAllText(_cache.NarInfoFile("a"), (a with { NarHash = new byte[32], FileHash = null, Signatures = [] }).SignedWith(_cache.Key).ToString());

        var problem = Assert.Single(await CheckAsync());

        Assert.Equal(ProblemKind.NarHash, problem.Kind);
    }

    [Fact]
    public async Task Check_ZstdNarThatIsNotZstd_IsCorrupt()
    {
        var a = _cache.Add("a", Age);
        File.WriteAllText(_cache.NarInfoFile("a"), (a with { Compression = "zstd", FileHash = null, Signatures = [] }).SignedWith(_cache.Key).ToString());

        var problem = Assert.Single(await CheckAsync());

        Assert.Equal(ProblemKind.NarCorrupt, problem.Kind);
    }

    [Fact]
    public async Task Check_XzNar_IsSkippedNotFailed()
    {
        var a = _cache.Add("a", Age);
        File.WriteAllText(_cache.NarInfoFile("a"), (a with { Compression = "xz", Signatures = [] }).SignedWith(_cache.Key).ToString());
        var checker = new DeepChecker(_cache.Objects, null);

        var problems = await checker.CheckAsync([.. (await _cache.ScanAsync()).NarInfos.Values], TestContext.Current.CancellationToken);

        Assert.Empty(problems);
        Assert.Equal(1, checker.Skipped);
    }

    private async Task<List<CacheProblem>> CheckAsync() =>
        await new DeepChecker(_cache.Objects, null).CheckAsync([.. (await _cache.ScanAsync()).NarInfos.Values], TestContext.Current.CancellationToken);
}
