using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;

namespace Watcher.IntegrationTests.Caches.Attic;

/// <summary>End to end: the real <c>nix-watcher push</c> against the in-process Attic server, then real Nix substituting.</summary>
[Collection(NixCollection.Name)]
public sealed class AtticPushTests(NixFixture nix)
{
    private static readonly (string, string)[] PullPush = [(AtticHome.CacheName, "rw")];

    [Fact]
    public async Task Push_ServerFromAtticConfig_RealNixSubstitutesEveryPathAndSecondPushUploadsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(AtticHome.CacheName);
        string token = server.CreateToken("pusher", TimeSpan.FromDays(30), PullPush);
        using var home = new AtticHome(server.Endpoint, token);
        var outputs = await nix.BuildChainAsync(8, ct);
        string signer = await SignAsync(home.Home.Root, outputs[0], ct);

        var push = await home.PushAsync(outputs[^1], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Contains("home: 8 pushed, 0 already present, 0 failed", push.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(8, server.CountRequests("PUT /_api/v1/upload-path"));
        var stored = server.Caches[AtticHome.CacheName].Objects.Values.ToList();
        Assert.All(stored, s => Assert.EndsWith(".drv", s.Deriver));
        Assert.All(stored, s => Assert.Equal("preamble", s.InfoMode));
        Assert.All(stored, s => Assert.Equal("pusher", s.UploadedBy));
        Assert.Contains(stored, s => s.StorePath == outputs[0] && s.Sigs.Any(sig => sig.StartsWith(signer + ":", StringComparison.Ordinal)));
        Assert.DoesNotContain(token, push.StandardError + push.StandardOutput, StringComparison.Ordinal);

        var copy = await home.SubstituteAsync(server, token, [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        string store = Path.Combine(home.Home.Root, "fresh-store");
        foreach (string output in outputs)
        {
            Assert.Equal(await NixVerifier.NarHashAsync(output, null, ct), await NixVerifier.NarHashAsync(output, store, ct));
        }

        var second = await home.PushAsync(outputs[^1], ct);

        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Contains("home: 0 pushed, 8 already present, 0 failed", second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(8, server.CountRequests("PUT /_api/v1/upload-path"));
    }

    [Fact]
    public async Task Push_ProxyLimitWithUploadEndpoint_UploadsGoDirectWhileQueriesUseThePublicEndpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(AtticHome.CacheName);
        // Above a get-missing-paths query, below any NAR.
        server.MaxRequestBodySize = 400;
        string token = server.CreateToken("pusher", TimeSpan.FromDays(30), PullPush);
        using var home = new AtticHome(server.Endpoint, token, $"upload-endpoint = \"{server.DirectEndpoint}\"");
        var outputs = await nix.BuildChainAsync(2, ct);

        var push = await home.PushAsync(outputs[^1], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Equal(2, server.CountRequests("PUT /_api/v1/upload-path"));
        Assert.All(server.Requests.Where(r => r.StartsWith("PUT /_api/v1/upload-path", StringComparison.Ordinal)), r => Assert.EndsWith(" " + server.DirectEndpoint.Port, r));
        Assert.Contains(server.Requests, r => r == $"POST /_api/v1/get-missing-paths {server.Endpoint.Port}");
    }

    /// <summary>Signs <paramref name="path"/> with a fresh key through the daemon; returns the key name.</summary>
    private static async Task<string> SignAsync(string root, string path, CancellationToken cancellationToken)
    {
        string name = "watcher-test-" + Guid.NewGuid().ToString("N")[..8];
        var (key, text) = Watcher.Nix.NixSecretKey.Generate(name);
        key.Dispose();
        string file = Path.Combine(root, "signing.key");
        await File.WriteAllTextAsync(file, text, cancellationToken);
        (await ProcessRunner.RunAsync("nix", ["store", "sign", "--key-file", file, path], new Dictionary<string, string?> { ["NIX_CONFIG"] = "experimental-features = nix-command" }, cancellationToken: cancellationToken))
            .EnsureSuccess("nix store sign");
        return name;
    }
}
