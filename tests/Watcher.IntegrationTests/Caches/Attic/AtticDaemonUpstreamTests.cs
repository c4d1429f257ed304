using System.Collections.Concurrent;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Caches.Attic;

/// <summary>
/// <c>nix-watcher run</c> with an Attic cache whose config names an upstream key: a path signed by it is left out by
/// default, as <c>attic push</c> does, and pushed with <c>skip-upstream-signed = false</c>.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class AtticDaemonUpstreamTests(NixFixture nix)
{
    private const string UpstreamKey = "upstream-test-1";

    // A path signed by the upstream key, shared by both cases (each has its own server and state).
    private static readonly ConcurrentDictionary<int, Task<string>> Signed = new();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_ReferenceSignedByTheServersUpstreamKey_PushedOnlyWhenOptedOut(bool skipUpstreamSigned)
    {
        var ct = TestContext.Current.CancellationToken;
        string upstream = await Signed.GetOrAdd(0, _ => BuildSignedAsync(CancellationToken.None));
        await using var server = await AtticTestServer.StartAsync(ct);
        var cache = server.AddCache(AtticHome.CacheName, false, UpstreamKey);
        using var home = new AtticDaemonHome();
        home.WriteConfig(server.Endpoint, [], skipUpstreamSigned ? string.Empty : "skip-upstream-signed = false", scan: "none");
        home.WriteToken(server.CreateToken("pusher", TimeSpan.FromDays(30), (AtticHome.CacheName, "rw")));
        await using var daemon = home.Start();

        // The upstream keys are known once the cache config was read; only then may the new path be planned.
        await daemon.WaitForLogAsync($"upstream keys: [{UpstreamKey}]", ct);
        string referrer = (await NixFixture.BuildExpressionAsync(
            $$"""let dep = builtins.storePath "{{upstream}}"; in derivation { name = "wt-up-{{Guid.NewGuid():N}}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${dep} > $out" ]; }""",
            ct))[0];

        await daemon.WaitUntilAsync(() => cache.Objects.ContainsKey(HashOf(referrer)), "the referrer in the attic cache", ct);
        Assert.Equal(0, await daemon.StopAsync(ct));
        Assert.Equal(!skipUpstreamSigned, cache.Objects.ContainsKey(HashOf(upstream)));
        Assert.Equal(!skipUpstreamSigned, daemon.Log.Contains("are pushed too (skip-upstream-signed = false)", StringComparison.Ordinal));
        Assert.Equal([Path.GetFileName(upstream)], cache.Objects[HashOf(referrer)].References);
    }

    private static string HashOf(string storePath) => Path.GetFileName(storePath)[..32];

    /// <summary>Builds a fresh path and signs it with a key named <see cref="UpstreamKey"/>, as a path substituted from upstream would be.</summary>
    private async Task<string> BuildSignedAsync(CancellationToken cancellationToken)
    {
        string path = (await nix.BuildChainAsync(1, cancellationToken))[0];
        var (key, text) = NixSecretKey.Generate(UpstreamKey);
        key.Dispose();
        string keyFile = Path.Combine(Path.GetTempPath(), $"watcher-upstream-{Guid.NewGuid():N}.key");
        await File.WriteAllTextAsync(keyFile, text, cancellationToken);
        try
        {
            var result = await ProcessRunner.RunAsync(
                "nix",
                ["store", "sign", "--key-file", keyFile, path],
                new Dictionary<string, string?> { ["NIX_CONFIG"] = "experimental-features = nix-command" },
                cancellationToken: cancellationToken);
            result.EnsureSuccess("nix store sign");
        }
        finally
        {
            File.Delete(keyFile);
        }

        return path;
    }
}
