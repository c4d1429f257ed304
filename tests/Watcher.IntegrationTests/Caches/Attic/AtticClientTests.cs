using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Caches;
using Watcher.Caches.Attic;
using Watcher.Core;
using Watcher.IntegrationTests.Fixtures.Attic;
using Watcher.Nar;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Caches.Attic;

/// <summary><see cref="AtticClient"/> against the in-process Attic server, with NAR bytes from memory.</summary>
public sealed class AtticClientTests : IAsyncLifetime
{
    private const string Cache = "private";
    private AtticTestServer _server = null!;
    private string _dir = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await AtticTestServer.StartAsync(TestContext.Current.CancellationToken);
        _server.AddCache(Cache);
        _dir = Directory.CreateTempSubdirectory("attic-client-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Requests_TokenFileRewrittenBetweenRequests_UseTheNewToken()
    {
        var ct = TestContext.Current.CancellationToken;
        string file = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(file, _server.CreateToken("first", TimeSpan.FromDays(30), (Cache, "rw")), ct);
        using var client = CreateClient(AtticTokenSource.FromFile(file));
        await client.GetCacheConfigAsync(ct);

        await File.WriteAllTextAsync(file, _server.CreateToken("second-rotated", TimeSpan.FromDays(30), (Cache, "rw")) + "\n", ct);
        await client.GetMissingPathsAsync(["0123456789abcdfghijklmnpqrsvwxyz"], ct);

        Assert.Equal(["first", "second-rotated"], _server.Subjects);
    }

    [Fact]
    public async Task UploadPath_LargeUploadInfo_GoesInThePreamble()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = CreateClient(Token());
        var (info, source) = Nar(new byte[5000], sigCount: 60);

        var result = await client.UploadPathAsync(AtticCache.ToUploadInfo(info, Cache), info, source, static () => { }, ct);

        Assert.Equal("Uploaded", result.Kind);
        var stored = _server.Caches[Cache].Objects[info.Path.HashPart];
        Assert.Equal("preamble", stored.InfoMode);
        Assert.Equal(60, stored.Sigs.Count);
        Assert.Equal("0123456789abcdfghijklmnpqrsvwxy0-hello.drv", stored.Deriver);
    }

    [Fact]
    public async Task UploadPath_LocalNarDiffersFromTheStore_SaysLocalCorruptionAndStoresNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = CreateClient(Token());
        var (info, _) = Nar(new byte[3000]);
        var (_, otherBytes) = Nar([.. new byte[2999], 1]);

        var ex = await Assert.ThrowsAsync<NarMismatchException>(() => client.UploadPathAsync(AtticCache.ToUploadInfo(info, Cache), info, otherBytes, static () => { }, ct));

        Assert.Contains("local store corruption", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Caches[Cache].Objects);
    }

    [Fact]
    public async Task UploadPath_ServerReceivesOtherBytes_SaysTheBodyWasAlteredInTransit()
    {
        var ct = TestContext.Current.CancellationToken;
        _server.CorruptReceivedNars = true;
        using var client = CreateClient(Token());
        var (info, source) = Nar(new byte[3000]);

        var ex = await Assert.ThrowsAsync<CacheUploadException>(() => client.UploadPathAsync(AtticCache.ToUploadInfo(info, Cache), info, source, static () => { }, ct));

        Assert.Equal(FailureReason.ServerError, ex.Reason);
        Assert.Contains("Bad NAR Hash or Size", ex.Message, StringComparison.Ordinal);
        Assert.Contains("altered in transit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not corrupted locally", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadPath_LargeNarBehindASizeLimitedProxy_IsTooLargeAndNamesUploadEndpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        _server.MaxRequestBodySize = 1 << 20;
        using var client = CreateClient(Token());
        var (info, source) = Nar(new byte[3 << 20]);

        var ex = await Assert.ThrowsAsync<CacheUploadException>(() => client.UploadPathAsync(AtticCache.ToUploadInfo(info, Cache), info, source, static () => { }, ct));

        Assert.Equal(FailureReason.TooLarge, ex.Reason);
        Assert.Equal(413, ex.StatusCode);
        Assert.Contains("upload-endpoint", ex.Message, StringComparison.Ordinal);
    }

    private AtticClient CreateClient(AtticTokenSource tokens) =>
        new("home", Cache, _server.Endpoint, null, tokens, TimeProvider.System, NullLogger.Instance);

    private AtticTokenSource Token()
    {
        string file = Path.Combine(_dir, "token-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, _server.CreateToken("pusher", TimeSpan.FromDays(30), (Cache, "rw")));
        return AtticTokenSource.FromFile(file);
    }

    private static (PathInfo Info, INarSource Source) Nar(byte[] bytes, int sigCount = 0)
    {
        var info = new PathInfo
        {
            Path = StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-hello"),
            Deriver = StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxy0-hello.drv"),
            NarHash = SHA256.HashData(bytes),
            NarSize = bytes.Length,
            References = [StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-hello")],
            Signatures = [.. Enumerable.Range(0, sigCount).Select(i => $"key-{i}:" + Convert.ToBase64String(new byte[64]))],
        };
        return (info, new BytesNarSource(bytes));
    }

    private sealed class BytesNarSource(byte[] bytes) : INarSource
    {
        public async Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken)
        {
            await destination.WriteAsync(bytes, cancellationToken);
            return new NarResult(SHA256.HashData(bytes), bytes.Length);
        }
    }
}
