using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Metrics;

/// <summary>
/// The daemon's <c>/metrics</c> endpoint as Prometheus' own tools see it: <c>promtool check metrics</c> accepts the
/// text, and a real Prometheus scraping the daemon reports the pushed-paths counter the cache directory proves.
/// </summary>
[Collection(NixCollection.Name)]
public sealed partial class PrometheusTests(NixFixture nix)
{
    [Fact]
    public async Task Metrics_AfterRealPushes_PassPromtoolCheckMetrics()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = MetricsHome();
        await using var daemon = home.Start();
        var metrics = await daemon.MetricsEndpointAsync(ct);
        var outputs = await nix.BuildChainAsync(3, ct);
        await daemon.WaitUntilAsync(() => outputs.All(home.HasNarInfo), "every output in the cache", ct);

        using var http = new HttpClient();
        string text = await http.GetStringAsync(metrics, ct);
        var check = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], standardInput: text, cancellationToken: ct);

        Assert.True(check.ExitCode == 0, $"promtool check metrics exited {check.ExitCode}:\n{check.StandardError}{check.StandardOutput}\n--- the text:\n{text}");
        Assert.Matches(PushedLine(), text);
        Assert.Contains("nix_watcher_upload_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Fact]
    public async Task Metrics_ScrapedByRealPrometheus_PushedCounterEqualsPathsInTheCache()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = MetricsHome();
        await using var daemon = home.Start();
        var metrics = await daemon.MetricsEndpointAsync(ct);
        await using var prometheus = await PrometheusServer.StartAsync(metrics.Authority, ct);
        var outputs = await nix.BuildChainAsync(4, ct);
        await daemon.WaitUntilAsync(() => outputs.All(home.HasNarInfo), "every output in the cache", ct);

        // Other tests may build at the same time and the daemon pushes those too: compare with the cache as it is
        // when Prometheus answers, until the two agree.
        double? seen = null;
        int inCache = 0;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            inCache = Directory.GetFiles(home.CacheDir, "*.narinfo").Length;
            var pushed = await prometheus.QueryAsync("nix_watcher_paths_pushed_total", ct);
            seen = pushed.Where(s => s.Labels.GetValueOrDefault("cache") == "local").Select(s => (double?)s.Value).SingleOrDefault();
            if (seen == inCache)
            {
                break;
            }

            Assert.True(
                waited.Elapsed < TestTimeouts.Scrape,
                $"Prometheus says {seen?.ToString(CultureInfo.InvariantCulture) ?? "nothing"}, the cache has {inCache} narinfos; targets: {await prometheus.TargetsAsync(ct)}\n{prometheus.Log}");

            // The real Prometheus scrapes on its own interval: ask again, bounded by TestTimeouts.Scrape above.
            await Task.Delay(500, ct);
        }

        Assert.True(inCache >= outputs.Count, $"{inCache} narinfos for {outputs.Count} outputs");
        Assert.Equal(inCache, seen);
        var series = await prometheus.QueryAsync("nix_watcher_paths_pushed_total{cache=\"local\"}", ct);
        var labels = Assert.Single(series).Labels;
        Assert.Equal("nix-watcher", labels["job"]);
        Assert.Equal(metrics.Authority, labels["instance"]);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Fact]
    public async Task MetricsPort_HealthzAndControlRoutes_HealthzIsOkAndStatusAndRetryAreNotServed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = MetricsHome();
        await using var daemon = home.Start();
        var metrics = await daemon.MetricsEndpointAsync(ct);
        await daemon.WaitForLogAsync("start-up scan", ct);
        using var http = new HttpClient { BaseAddress = new Uri(metrics, "/") };

        using var healthz = await http.GetAsync("healthz", ct);
        using var status = await http.GetAsync("status", ct);
        using var retry = await http.PostAsync("retry", content: null, ct);

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal("ok", (await healthz.Content.ReadAsStringAsync(ct)).Trim());
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, retry.StatusCode);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    /// <summary>A daemon home with metrics on a free loopback port.</summary>
    private static DaemonHome MetricsHome()
    {
        var home = new DaemonHome();
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile).Replace("listen = \"\"", "listen = \"127.0.0.1:0\"", StringComparison.Ordinal));
        return home;
    }

    [GeneratedRegex(@"(?m)^nix_watcher_paths_pushed_total\{[^}]*cache=""local""[^}]*\} [1-9]")]
    private static partial Regex PushedLine();
}
