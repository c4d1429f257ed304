using System.Text;
using Watcher.Maintenance;

namespace Watcher.Tests.Maintenance;

public sealed class CacheVerifierTests : IDisposable
{
    private static readonly TimeSpan Age = TimeSpan.FromDays(1);

    private readonly TestCacheDir _cache = new();

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task Check_WholeCache_FindsNoProblems()
    {
        _cache.Add("a", Age);
        _cache.Add("b", Age, "a");

        var problems = (await _cache.VerifyAsync()).Problems;

        Assert.Empty(problems);
    }

    [Fact]
    public async Task Check_MissingNar_NamesThePathAndTheNar()
    {
        _cache.Add("a", Age);
        var b = _cache.Add("b", Age, "a");
        File.Delete(Path.Combine(_cache.Root, b.Url));

        var problem = Assert.Single((await _cache.VerifyAsync()).Problems);

        Assert.Equal(ProblemKind.NarMissing, problem.Kind);
        Assert.Equal(b.StorePath.FullPath, problem.StorePath);
        Assert.Equal(b.Url, problem.Object);
    }

    [Fact]
    public async Task Check_TruncatedNar_IsANarSizeProblem()
    {
        var a = _cache.Add("a", Age);
        File.WriteAllBytes(Path.Combine(_cache.Root, a.Url), [1]);

        var problem = Assert.Single((await _cache.VerifyAsync()).Problems);

        Assert.Equal(ProblemKind.NarSize, problem.Kind);
        Assert.Contains("1 bytes", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_MissingReference_NamesTheReferrerAndTheMissingNarInfo()
    {
        _cache.Add("a", Age);
        var b = _cache.Add("b", Age, "a");
        File.Delete(_cache.NarInfoFile("a"));

        var problem = Assert.Single((await _cache.VerifyAsync()).Problems);

        Assert.Equal(ProblemKind.ReferenceMissing, problem.Kind);
        Assert.Equal(b.StorePath.FullPath, problem.StorePath);
        Assert.Equal(_cache.PathOf("a").HashPart + ".narinfo", problem.Object);
        Assert.Contains(_cache.PathOf("a").FullPath, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SignatureOverOtherContents_IsABadSignature()
    {
        var a = _cache.Add("a", Age);
        var tampered = a with { NarSize = a.NarSize + 1 };
        File.WriteAllText(_cache.NarInfoFile("a"), tampered.ToString());

        var problem = Assert.Single((await _cache.VerifyAsync()).Problems);

        Assert.Equal(ProblemKind.BadSignature, problem.Kind);
        Assert.Contains("does not match", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_UnsignedNarInfo_IsABadSignature()
    {
        var a = _cache.Add("a", Age);
        File.WriteAllText(_cache.NarInfoFile("a"), (a with { Signatures = [] }).ToString());

        var problem = Assert.Single((await _cache.VerifyAsync()).Problems);

        Assert.Equal(ProblemKind.BadSignature, problem.Kind);
        Assert.Contains("not signed by test-cache-1", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_NarInfoOfAnotherPath_IsAWrongPathProblem()
    {
        _cache.Add("a", Age);
        var b = _cache.Add("b", Age);
        File.Copy(_cache.NarInfoFile("b"), _cache.NarInfoFile("a"), overwrite: true);

        var problem = Assert.Single((await _cache.VerifyAsync()).Problems);

        Assert.Equal(ProblemKind.WrongPath, problem.Kind);
        Assert.Equal(_cache.PathOf("a").HashPart, problem.HashPart);
        Assert.Contains(b.StorePath.FullPath, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_GarbageNarInfo_IsUnparseable()
    {
        _cache.Write(_cache.PathOf("a").HashPart + ".narinfo", Encoding.UTF8.GetBytes("not a narinfo\n"), Age);

        var problem = Assert.Single((await _cache.VerifyAsync()).Problems);

        Assert.Equal(ProblemKind.Unparseable, problem.Kind);
    }

    [Fact]
    public async Task Check_NarWithoutNarInfo_IsAnOrphanNotAProblem()
    {
        _cache.Add("a", Age);
        _cache.Write("nar/1111111111111111111111111111111111111111111111111111.nar", [1, 2, 3, 4], Age);

        var (index, problems) = await _cache.VerifyAsync();

        Assert.Empty(problems);
        var orphan = Assert.Single(index.Orphans());
        Assert.Equal(4, orphan.Size);
    }

    [Theory]
    [InlineData("nar/x.nar", true)]
    [InlineData("../outside.nar", false)]
    [InlineData("/etc/passwd", false)]
    [InlineData("https://example.org/nar/x.nar", false)]
    [InlineData("nar//x.nar", false)]
    public void IsCacheKey_Url_OnlyRelativeKeysInsideTheCache(string url, bool expected) =>
        Assert.Equal(expected, CacheVerifier.IsCacheKey(url));
}
