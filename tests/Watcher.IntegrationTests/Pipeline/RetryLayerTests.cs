using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>
/// One retry layer: an object whose every request fails (a single PUT, and one part of a multipart upload) is sent
/// exactly as often as <c>[retry]</c> says, with pauses within its delays, each resend is counted, the path then
/// becomes a dead letter (the multipart upload is aborted), and paths that do not depend on it keep flowing.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class RetryLayerTests(NixFixture nix)
{
    private const int Attempts = 4;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(800);

    [Fact]
    public async Task Daemon_ObjectAlwaysRefused_SentAsOftenAsConfiguredThenDeadWhileOthersArrive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await S3rver.StartAsync(ct);
        await server.CreateBucketAsync("refusing", ct);
        await using var front = await S3Front.StartAsync(server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, "refusing");
        await using var daemon = cache.StartDaemon(
            $"[retry]\nattempts = {Attempts}\nbase-delay-ms = 200\nmax-delay-ms = {(int)MaxDelay.TotalMilliseconds}",
            "part-size-mb = 5");
        await daemon.WaitForLogAsync("start-up scan", ct);
        var metrics = await daemon.MetricsEndpointAsync(ct);

        // The second part of the large NAR (parts of 5 MiB), and the single PUT of the 2 MiB NAR, always get 500.
        front.Refuse = request => request.Method == "PUT" && request.Path.Value!.Contains("/nar/", StringComparison.Ordinal)
            && (request.Query["partNumber"] == "2" || (!request.Query.ContainsKey("uploadId") && request.ContentLength is > 1 << 20 and < 5 << 20));
        using var client = server.CreateClient();

        // Other paths first, so that the refusals are a small share of the cache's requests and its breaker stays closed.
        var others = await nix.BuildChainAsync(20, ct);
        await daemon.WaitUntilAsync(() => NarInfoCount(client, cache, others, ct) == others.Count, "the other paths arrived", ct, TimeSpan.FromMinutes(3));
        string nonce = Guid.NewGuid().ToString("N")[..12];
        var built = await NixFixture.BuildExpressionAsync($$"""
            let mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; PATH = "/usr/bin:/bin"; };
            in [
              (mk "large-{{nonce}}" "head -c 12582912 /dev/urandom > $out")
              (mk "medium-{{nonce}}" "head -c 2097152 /dev/urandom > $out")
            ]
            """, ct);
        var meanwhile = await nix.BuildChainAsync(5, ct);

        await daemon.WaitUntilAsync(() => daemon.Log.Contains($"{built[0]} is a dead letter", StringComparison.Ordinal) && daemon.Log.Contains($"{built[1]} is a dead letter", StringComparison.Ordinal), "both refused paths are dead letters", ct, TimeSpan.FromMinutes(3));
        await daemon.WaitUntilAsync(() => NarInfoCount(client, cache, meanwhile, ct) == meanwhile.Count, "the paths built meanwhile arrived", ct, TimeSpan.FromMinutes(3));
        Assert.DoesNotContain("keeps failing; pausing it", daemon.Log, StringComparison.Ordinal);

        // Nothing sends them again: the sends seen now are all there will be. A real wait on the daemon process, which
        // signals nothing when it does not send: 5 s is many times its retry delays, so a resend would be seen.
        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        var parts = front.Log.Where(r => r.Method == "PUT" && r.Target.Contains("partNumber=2&", StringComparison.Ordinal)).ToList();
        var puts = front.Log.Where(r => r.Method == "PUT" && r.Target.Contains("/nar/", StringComparison.Ordinal) && !r.Target.Contains("uploadId", StringComparison.Ordinal) && r.Length is > 1 << 20 and < 5 << 20).ToList();
        AssertSentAsConfigured(parts, "part 2 of the large NAR");
        AssertSentAsConfigured(puts, "the medium NAR");
        Assert.Contains(front.Log, r => r.Method == "DELETE" && r.Target.Contains("uploadId=", StringComparison.Ordinal));

        Assert.Equal(2 * (Attempts - 1), await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_retries_total", ct, "reason=\"server_error\""));
        Assert.Equal(2, await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_dead_letters", ct));
        Assert.DoesNotContain(built[0], daemon.Log.Split('\n').Where(l => l.Contains("pushed ", StringComparison.Ordinal)), StringComparer.Ordinal);
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(server.Endpoint), cache.PublicKey.ToString(), Path.Combine(cache.Home.Root, "fresh"), [meanwhile[^1], others[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    /// <summary>Exactly <see cref="Attempts"/> sends, each pause below the largest delay plus an attempt's own time.</summary>
    private static void AssertSentAsConfigured(List<S3FrontRequest> sends, string what)
    {
        Assert.True(sends.Count == Attempts, $"{what} was sent {sends.Count} times, not {Attempts}:\n{string.Join('\n', sends)}");
        for (int i = 1; i < sends.Count; i++)
        {
            var pause = sends[i].At - sends[i - 1].At;
            Assert.True(pause < MaxDelay + TimeSpan.FromSeconds(3), $"{what}: {pause.TotalSeconds:0.00} s between send {i} and {i + 1}");
        }
    }

    private static int NarInfoCount(Amazon.S3.IAmazonS3 client, S3TestCache cache, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var keys = S3TestCache.ListAsync(client, cache.Bucket, cancellationToken).GetAwaiter().GetResult().Keys;
        return paths.Count(p => keys.Contains(StorePath.Parse(p, "/nix/store").HashPart + ".narinfo"));
    }
}
