using System.Diagnostics;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>
/// Networks that stall, cut bodies, reset connections and answer 503, between Watcher and s3rver (which checks no
/// checksum and never stalls on its own): every path arrives, no narinfo names a damaged or missing NAR, and real
/// Nix substitutes everything with signatures required.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class HostileNetworkTests(NixFixture nix)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Daemon_15PercentOfRequestsHeldFor300Seconds_ThirtyPathDagPushedWithinThreeMinutes()
    {
        var ct = TestContext.Current.CancellationToken;
        var faults = new S3Faults(0, 0, 0, TimeSpan.FromSeconds(300)) { StallShare = 0.15 };
        await using var network = await HostileS3.StartAsync("stalling-daemon", faults, ct);
        await using var daemon = network.Cache.StartDaemon();
        await daemon.WaitForLogAsync("start-up scan", ct);

        var outputs = await nix.BuildChainAsync(30, ct);
        var started = Stopwatch.StartNew();
        await daemon.WaitUntilAsync(() => network.NarInfoCount(outputs, ct) == outputs.Count, "30 narinfos", ct, Deadline);

        Assert.True(started.Elapsed < Deadline, $"took {started.Elapsed}");
        Assert.True(faults.Held > 5, $"only {faults.Held} requests were held");
        await network.VerifyAsync(outputs[^1], ct);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Fact]
    public async Task Push_15PercentOfRequestsHeldFor300Seconds_ThirtyPathDagPushedWithinThreeMinutes()
    {
        var ct = TestContext.Current.CancellationToken;
        var faults = new S3Faults(0, 0, 0, TimeSpan.FromSeconds(300), Seed: 2) { StallShare = 0.15 };
        await using var network = await HostileS3.StartAsync("stalling-push", faults, ct);
        var outputs = await nix.BuildChainAsync(30, ct);

        var started = Stopwatch.StartNew();
        var push = await network.Cache.PushAsync([outputs[^1]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.True(started.Elapsed < Deadline, $"took {started.Elapsed}");
        Assert.True(faults.Held > 5, $"only {faults.Held} requests were held");
        Assert.Equal(outputs.Count, network.NarInfoCount(outputs, ct));
        await network.VerifyAsync(outputs[^1], ct);
    }

    [Fact]
    public async Task Push_SmallNarHeldUnanswered_SentAgainAlongsideWithinSeconds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var network = await HostileS3.StartAsync("held-nar", new S3Faults(0, 0, 0, TimeSpan.Zero), ct);
        int held = 0;
        network.Front.Answer = async context =>
        {
            if (context.Request.Method == "PUT" && context.Request.Path.Value!.Contains("/nar/", StringComparison.Ordinal) && Interlocked.Exchange(ref held, 1) == 0)
            {
                // Never answered: only the client giving up on it ends it.
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            return false;
        };
        var outputs = await nix.BuildChainAsync(1, ct);

        var push = await network.Cache.PushAsync(outputs, ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        var puts = network.Front.Log.Where(r => r.Method == "PUT" && r.Target.Contains("/nar/", StringComparison.Ordinal)).ToList();
        Assert.True(puts.Count >= 2, string.Join('\n', network.Front.Log));
        Assert.Equal(puts[0].Target, puts[1].Target);

        // The second send goes out after the hedge delay (2 s before 16 uploads were seen), not after the 30-s stall timeout of large bodies.
        Assert.InRange(puts[1].At - puts[0].At, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9));
        await network.VerifyAsync(outputs[^1], ct);
    }

    [Fact]
    public async Task Daemon_BodiesCutResetsAnd503s_EveryNarinfoNamesAnIntactNar()
    {
        var ct = TestContext.Current.CancellationToken;
        var faults = new S3Faults(SlowDown: 0.05, Reset: 0.03, StallEvery: 0, Stall: TimeSpan.Zero, Seed: 3) { CutShare = 0.2 };
        await using var network = await HostileS3.StartAsync("cutting", faults, ct);
        await using var daemon = network.Cache.StartDaemon();
        await daemon.WaitForLogAsync("start-up scan", ct);
        var metrics = await daemon.MetricsEndpointAsync(ct);

        var outputs = await nix.BuildChainAsync(30, ct);
        // Pushed, not merely present: s3rver stores a cut narinfo (real S3 refuses it by its Content-MD5) until the
        // daemon, seeing the ETag differ, has sent it again.
        await daemon.WaitUntilAsync(() => outputs.All(o => daemon.Log.Contains($"pushed {o} to bucket", StringComparison.Ordinal)), "30 paths pushed", ct, TimeSpan.FromMinutes(6));

        Assert.Equal(outputs.Count, network.NarInfoCount(outputs, ct));
        Assert.True(await WatcherDaemon.ScrapeAsync(metrics, "nix_watcher_retries_total", ct, "reason=\"damaged\"") > 0, "no damaged body was sent again");

        // s3rver stores a cut body whatever its Content-MD5 says: a narinfo can be listed while the daemon is still
        // sending it again after its first try came back damaged. Once stopped, every write it began has ended.
        Assert.Equal(0, await daemon.StopAsync(ct));
        await network.VerifyAsync(outputs[^1], ct);
    }

    [Fact]
    public async Task Push_AtticFront15PercentOfRequestsHeldFor300Seconds_ThirtyPathDagPushedWithinThreeMinutes()
    {
        var ct = TestContext.Current.CancellationToken;
        var faults = new S3Faults(0, 0, 0, TimeSpan.FromSeconds(300), Seed: 5) { StallShare = 0.15 };
        await using var network = await HostileAttic.StartAsync(faults, ct);
        var outputs = await nix.BuildChainAsync(30, ct);

        // Each path of the chain refers to the one before: Attic publishes on upload, so they go up one after another,
        // and a held upload that cost the whole stall timeout (30 s) would add up to more than the deadline.
        var started = Stopwatch.StartNew();
        var push = await network.Home.PushAsync(outputs[^1], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.True(started.Elapsed < Deadline, $"took {started.Elapsed}");
        Assert.True(faults.Held > 5, $"only {faults.Held} requests were held");
        Assert.True(network.Front.Log.Count(r => r.Target.StartsWith("/_api/v1/upload-path", StringComparison.Ordinal)) > outputs.Count, "no upload was sent again alongside");
        await network.SubstituteAsync(outputs[^1], ct);
    }

    [Fact]
    public async Task Push_AtticBehindAFrontThatCutsAndHoldsRequests_EveryPathArrivesAndNixSubstitutes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var network = await HostileAttic.StartAsync(new S3Faults(SlowDown: 0.05, Reset: 0.03, StallEvery: 0, Stall: TimeSpan.FromSeconds(300), Seed: 4) { StallShare = 0.1, CutShare = 0.3 }, ct);
        var outputs = await nix.BuildChainAsync(12, ct);

        var push = await network.Home.PushAsync(outputs[^1], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.True(network.Front.Injected > 3, $"only {network.Front.Injected} faults were injected");
        Assert.Contains(network.Front.Log, r => r.Target.StartsWith("/_api/v1/upload-path", StringComparison.Ordinal));
        await network.SubstituteAsync(outputs[^1], ct);
    }

    /// <summary>An Attic test server behind a faulty front (its cache config names the front), and a home whose config points at the front.</summary>
    private sealed class HostileAttic(Watcher.IntegrationTests.Fixtures.Attic.AtticTestServer server, S3Front front, string token) : IAsyncDisposable
    {
        public S3Front Front => front;

        public Watcher.IntegrationTests.Caches.Attic.AtticHome Home { get; } = new(front.Endpoint, token);

        public static async Task<HostileAttic> StartAsync(S3Faults faults, CancellationToken cancellationToken)
        {
            var server = await Watcher.IntegrationTests.Fixtures.Attic.AtticTestServer.StartAsync(cancellationToken);
            server.AddCache(Watcher.IntegrationTests.Caches.Attic.AtticHome.CacheName);
            var front = await S3Front.StartAsync(server.Endpoint, long.MaxValue, secretKey: null, cancellationToken);
            server.ApiEndpoint = front.Endpoint;
            front.InjectFaults(faults);
            return new HostileAttic(server, front, server.CreateToken("pusher", TimeSpan.FromDays(30), (Watcher.IntegrationTests.Caches.Attic.AtticHome.CacheName, "rw")));
        }

        /// <summary>Real Nix substitutes <paramref name="path"/>'s closure from the server, signatures required.</summary>
        public async Task SubstituteAsync(string path, CancellationToken cancellationToken)
        {
            var copy = await Home.SubstituteAsync(server, token, [path], cancellationToken);
            Assert.True(copy.ExitCode == 0, copy.StandardError);
        }

        public async ValueTask DisposeAsync()
        {
            Home.Dispose();
            await front.DisposeAsync();
            await server.DisposeAsync();
        }
    }

    /// <summary>s3rver behind a faulty front, a bucket, and a cache config pointing at the front.</summary>
    private sealed class HostileS3 : IAsyncDisposable
    {
        private HostileS3(S3rver server, S3Front front, S3TestCache cache, Amazon.S3.IAmazonS3 client)
        {
            Server = server;
            Front = front;
            Cache = cache;
            Client = client;
        }

        public S3rver Server { get; }

        public S3Front Front { get; }

        public S3TestCache Cache { get; }

        public Amazon.S3.IAmazonS3 Client { get; }

        public static async Task<HostileS3> StartAsync(string bucket, S3Faults faults, CancellationToken cancellationToken)
        {
            var server = await S3rver.StartAsync(cancellationToken);
            await server.CreateBucketAsync(bucket, cancellationToken);
            var front = await S3Front.StartAsync(server.Endpoint, long.MaxValue, secretKey: null, cancellationToken);
            front.InjectFaults(faults);
            return new HostileS3(server, front, new S3TestCache(front.Endpoint, bucket), server.CreateClient());
        }

        /// <summary>How many of <paramref name="paths"/> have a narinfo in the bucket (read straight from s3rver).</summary>
        public int NarInfoCount(IReadOnlyList<string> paths, CancellationToken cancellationToken)
        {
            var keys = S3TestCache.ListAsync(Client, Cache.Bucket, cancellationToken).GetAwaiter().GetResult().Keys;
            return paths.Count(p => keys.Contains(StorePath.Parse(p, StorePath.DefaultStoreDir).HashPart + ".narinfo"));
        }

        /// <summary>Every narinfo is signed and names a NAR with its FileHash and FileSize; real Nix substitutes <paramref name="root"/>'s closure.</summary>
        public async Task VerifyAsync(string root, CancellationToken cancellationToken)
        {
            var narInfos = await S3TestCache.VerifyNarInfosAsync(Client, Cache.Bucket, Cache.PublicKey, cancellationToken);
            await S3TestCache.VerifyNarHashesAsync(Client, Cache.Bucket, narInfos.Values, cancellationToken);
            var copy = await NixVerifier.SubstituteAsync(Cache.HttpUrl(Server.Endpoint), Cache.PublicKey.ToString(), Path.Combine(Cache.Home.Root, "fresh"), [root], cancellationToken);
            Assert.True(copy.ExitCode == 0, copy.StandardError);
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            Cache.Dispose();
            await Front.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
