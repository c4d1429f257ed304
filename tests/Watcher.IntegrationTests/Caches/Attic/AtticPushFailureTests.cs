using System.Net;
using System.Net.Sockets;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;

namespace Watcher.IntegrationTests.Caches.Attic;

/// <summary><c>nix-watcher push</c> against an Attic server that says no: each failure is explained, exits non-zero, and never shows the token.</summary>
[Collection(NixCollection.Name)]
public sealed class AtticPushFailureTests(NixFixture nix)
{
    [Fact]
    public async Task Push_ExpiredToken_SaysTokenRejectedOrExpired()
    {
        var (result, token) = await PushAsync(s => s.CreateToken("pusher", TimeSpan.FromHours(-2), (AtticHome.CacheName, "rw")));

        AssertFailed(result, token, "token rejected or expired", "the token expired at");
    }

    [Fact]
    public async Task Push_TokenFromAnotherServer_SaysTokenRejected()
    {
        var (result, token) = await PushAsync(_ => AtticTestToken.Create(new byte[32], "pusher", TimeProvider.System.GetUtcNow().AddDays(30), (AtticHome.CacheName, "rw")));

        AssertFailed(result, token, "token rejected or expired", "another server's key");
    }

    [Fact]
    public async Task Push_TokenWithoutPush_SaysPermissionOnTheCache()
    {
        var (result, token) = await PushAsync(s => s.CreateToken("reader", TimeSpan.FromDays(30), (AtticHome.CacheName, "r")));

        AssertFailed(result, token, "no permission", $"cache '{AtticHome.CacheName}'", "HTTP 403");
    }

    [Fact]
    public async Task Push_ProxyLimitBelowNarSize_PointsAtUploadEndpoint()
    {
        var (result, token) = await PushAsync(s =>
        {
            s.MaxRequestBodySize = 100;
            return s.CreateToken("pusher", TimeSpan.FromDays(30), (AtticHome.CacheName, "rw"));
        });

        AssertFailed(result, token, "HTTP 413", "a proxy in front of the attic server limits the request size", "'upload-endpoint' in [caches.home]");
    }

    [Fact]
    public async Task Push_ServerDown_SaysItCannotReachTheServer()
    {
        var ct = TestContext.Current.CancellationToken;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        string token = AtticTestToken.Create(new byte[32], "pusher", TimeProvider.System.GetUtcNow().AddDays(30), (AtticHome.CacheName, "rw"));
        using var home = new AtticHome(new Uri($"http://127.0.0.1:{port}/"), token);
        var outputs = await nix.BuildChainAsync(1, ct);

        var result = await home.PushAsync(outputs[0], ct);

        AssertFailed(result, token, "cannot reach the attic server", $"127.0.0.1:{port}");
    }

    private async Task<(ProcessResult Result, string Token)> PushAsync(Func<AtticTestServer, string> setup)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(AtticHome.CacheName);
        string token = setup(server);
        using var home = new AtticHome(server.Endpoint, token);
        var outputs = await nix.BuildChainAsync(1, ct);
        var result = await home.PushAsync(outputs[0], ct);
        Assert.Empty(server.Caches[AtticHome.CacheName].Objects);
        return (result, token);
    }

    private static void AssertFailed(ProcessResult result, string token, params string[] phrases)
    {
        string output = result.StandardError + result.StandardOutput;
        Assert.True(result.ExitCode != 0, output);
        foreach (string phrase in phrases)
        {
            Assert.Contains(phrase, output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(token, output, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], output, StringComparison.Ordinal);
    }
}
