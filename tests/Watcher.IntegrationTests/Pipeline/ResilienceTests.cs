using System.Globalization;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>The daemon against an S3 cache that misbehaves: injected faults, and a server that goes away and comes back.</summary>
[Collection(NixCollection.Name)]
public sealed class ResilienceTests(NixFixture nix)
{
    [Fact]
    public async Task Daemon_FaultyServer_EveryPathArrivesAndRetriesAreCounted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await S3rver.StartAsync(ct);
        await server.CreateBucketAsync("faulty", ct);
        await using var front = await S3Front.StartAsync(server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, "faulty");
        await using var daemon = cache.StartDaemon();
        await daemon.WaitForLogAsync("start-up scan", ct);
        var metrics = await daemon.MetricsEndpointAsync(ct);

        // 20 % SlowDown, 5 % connection resets, and every 60th request stalls for 30 s.
        front.InjectFaults(new S3Faults(SlowDown: 0.20, Reset: 0.05, StallEvery: 60, Stall: TimeSpan.FromSeconds(30)));
        var outputs = await nix.BuildChainAsync(50, ct);
        using var client = server.CreateClient();
        await WaitForNarInfosAsync(daemon, client, cache, outputs, ct);

        Assert.True(front.Injected > 10, $"only {front.Injected} faults were injected");
        double retries = await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_retries_total", ct);
        Assert.True(retries > 0, "no retry was counted");
        Assert.True(await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_paths_pushed_total", ct) >= outputs.Count, "fewer pushes counted than paths built");
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(server.Endpoint), cache.PublicKey.ToString(), Path.Combine(cache.Home.Root, "fresh"), [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Fact]
    public async Task Daemon_ServerDownThenBack_PausesWithoutSpinningAndPushesWhatWaited()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await S3rver.StartAsync(ct);
        await server.CreateBucketAsync("downtime", ct);
        using var cache = new S3TestCache(server.Endpoint, "downtime");
        await using var daemon = cache.StartDaemon();
        await daemon.WaitForLogAsync("start-up scan", ct);
        var metrics = await daemon.MetricsEndpointAsync(ct);
        using var client = server.CreateClient();
        var before = await nix.BuildChainAsync(2, ct);
        await WaitForNarInfosAsync(daemon, client, cache, before, ct);

        server.Kill();
        var whileDown = await nix.BuildChainAsync(12, ct);
        await daemon.WaitForLogAsync("keeps failing; pausing it", ct);
        Assert.Equal(1, await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_circuit_open", ct));
        Assert.True(await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_queue_depth", ct) > 0);
        double cpuBefore = CpuSeconds(daemon.ProcessId);

        // A real 20 s of the daemon process's life with its cache down: what it does with the time is the measure.
        await Task.Delay(TimeSpan.FromSeconds(20), ct);
        double cpuWhileDown = CpuSeconds(daemon.ProcessId) - cpuBefore;
        Assert.True(cpuWhileDown < 1.0, $"the daemon used {cpuWhileDown:0.00} s of CPU in 20 s while the cache was down");

        await server.RestartAsync(ct);
        await WaitForNarInfosAsync(daemon, client, cache, whileDown, ct);

        await daemon.WaitForLogAsync("is answering again", ct);
        Assert.True(await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_circuit_opened_total", ct) >= 1);
        Assert.Equal(0, await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_circuit_open", ct));
        Assert.Equal(0, await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_dead_letters", ct));
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(server.Endpoint), cache.PublicKey.ToString(), Path.Combine(cache.Home.Root, "fresh"), [whileDown[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    /// <summary>Waits until every path in <paramref name="outputs"/> has a signed narinfo in the bucket.</summary>
    private static async Task WaitForNarInfosAsync(WatcherDaemon daemon, Amazon.S3.IAmazonS3 client, S3TestCache cache, IReadOnlyList<string> outputs, CancellationToken cancellationToken)
    {
        var wanted = outputs.ToHashSet(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        await daemon.WaitUntilAsync(() =>
        {
            var keys = S3TestCache.ListAsync(client, cache.Bucket, cancellationToken).GetAwaiter().GetResult();
            present = keys.Keys.Where(k => k.EndsWith(".narinfo", StringComparison.Ordinal)).Select(k => k[..32]).ToHashSet(StringComparer.Ordinal);
            return wanted.All(p => present.Contains(StorePath.Parse(p, "/nix/store").HashPart));
        }, $"{wanted.Count} narinfos in the bucket", cancellationToken, TimeSpan.FromMinutes(6));
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, cache.Bucket, cache.PublicKey, cancellationToken);
        Assert.All(wanted, p => Assert.Contains(narInfos.Values, n => n.StorePath.FullPath == p));
    }

    /// <summary>User plus system CPU time of a process, from <c>/proc/PID/stat</c> (clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
