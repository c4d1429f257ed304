using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;

namespace Watcher.IntegrationTests.Contrib;

/// <summary>
/// One daemon pushing to three caches that together make it export every kind of series: <c>local</c> (a file cache)
/// takes everything, <c>refusing</c> (an Attic cache answering 403 to uploads) turns paths into dead letters, and
/// <c>flaky</c> (S3 behind a front answering every request 503 SlowDown) retries until its breaker pauses it, with
/// its paths left pending. A path whose name ends in <c>-excluded</c> is filtered out. <c>local</c> has a retention
/// schedule, whose first collection runs at start. A real Prometheus scrapes the
/// daemon every second and evaluates <c>contrib/prometheus/nix-watcher.rules.yml</c>.
/// </summary>
public sealed class FailingCachesDaemon : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _servers = [];

    public DaemonHome Home { get; } = new(extraWatch: "exclude = [\"-excluded$\"]\nbatch-quiet-ms = 100\nbatch-max-ms = 500");

    public WatcherDaemon Daemon { get; private set; } = null!;

    public Uri Metrics { get; private set; } = null!;

    public PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>The <c>/metrics</c> text once every cache has shown its behaviour.</summary>
    public string Scrape { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var attic = await Keep(AtticTestServer.StartAsync(ct));
        attic.AddCache("private", isPublic: true);
        attic.RefuseUploads = true;
        var s3 = await Keep(S3rver.StartAsync(ct));
        await s3.CreateBucketAsync("flaky", ct);
        var front = await Keep(S3Front.StartAsync(s3.Endpoint, long.MaxValue, secretKey: null, ct));
        WriteConfig(attic, front);

        Daemon = Home.Start();
        await Daemon.WaitForLogAsync("start-up scan", ct);
        Metrics = await Daemon.MetricsEndpointAsync(ct);
        Prometheus = await PrometheusServer.StartAsync(Metrics.Authority, [ContribFiles.Rules], ct);
        front.InjectFaults(new S3Faults(SlowDown: 1.0, Reset: 0, StallEvery: 0, Stall: TimeSpan.Zero));

        var outputs = await NixFixture.BuildExpressionAsync(Expression(Guid.NewGuid().ToString("N")[..12]), ct);
        var pushed = outputs.Where(p => !p.EndsWith("-excluded", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, pushed.Count);
        await Daemon.WaitUntilAsync(() => pushed.All(Home.HasNarInfo), "every output in the local cache", ct);
        await Daemon.WaitForLogAsync("is a dead letter for refusing", ct);
        await Daemon.WaitForLogAsync("flaky keeps failing; pausing it", ct);
        Assert.False(Home.HasNarInfo(outputs.Single(p => p.EndsWith("-excluded", StringComparison.Ordinal))), "the excluded path was pushed");
        await Daemon.WaitForLogAsync("collected local", ct);

        using var http = new HttpClient();
        Scrape = await http.GetStringAsync(Metrics, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Daemon is not null)
        {
            await Daemon.DisposeAsync();
        }

        foreach (var server in Enumerable.Reverse(_servers))
        {
            await server.DisposeAsync();
        }

        Home.Dispose();
    }

    /// <summary>Three derivations, each referring to the one before, and one on its own that the filter excludes.</summary>
    private static string Expression(string nonce) => $$"""
        let mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; PATH = "/usr/bin:/bin"; };
            a = mk "ops-{{nonce}}-a" "echo {{nonce}} > $out";
            b = mk "ops-{{nonce}}-b" "echo ${a} > $out";
            c = mk "ops-{{nonce}}-c" "echo ${b} > $out";
        in [ a b c (mk "ops-{{nonce}}-excluded" "echo {{nonce}} > $out") ]
        """;

    private async Task<T> Keep<T>(Task<T> start)
        where T : IAsyncDisposable
    {
        var server = await start;
        _servers.Add(server);
        return server;
    }

    private void WriteConfig(AtticTestServer attic, S3Front front)
    {
        string tokenFile = Path.Combine(Home.Root, "attic-token");
        File.WriteAllText(tokenFile, attic.CreateToken("pusher", TimeSpan.FromDays(30), ("private", "rw")) + "\n");
        Directory.CreateDirectory(Path.Combine(Home.Root, ".aws"));
        File.WriteAllText(Path.Combine(Home.Root, ".aws", "credentials"), $"[test]\naws_access_key_id = {S3rver.AccessKey}\naws_secret_access_key = {S3rver.SecretKey}\n");
        string config = File.ReadAllText(Home.ConfigFile).Replace("listen = \"\"", "listen = \"127.0.0.1:0\"", StringComparison.Ordinal);
        File.WriteAllText(Home.ConfigFile, config + $"""

            [caches.local.retention]
            keep-days = 2
            [caches.refusing]
            type = "attic"
            endpoint = "{attic.Endpoint}"
            cache = "private"
            token-file = "{tokenFile}"
            [caches.flaky]
            type = "s3"
            bucket = "flaky"
            endpoint = "{front.Endpoint.ToString().TrimEnd('/')}"
            region = "us-east-1"
            profile = "test"
            signing-key-file = "{Home.Root}/secret.key"
            """);
    }
}
