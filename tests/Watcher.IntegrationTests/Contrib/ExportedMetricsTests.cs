using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Contrib;

/// <summary>
/// The dashboard and the alert rules against what a real daemon exports: every series they name is in its
/// <c>/metrics</c> after pushes, retries, a pause and a dead letter; every dashboard query, run by a real Prometheus
/// scraping that daemon, finds series with the labels its legend shows; and Prometheus evaluates every rule without
/// error, with the dead-letter and paused-cache alerts on their way to firing.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class ExportedMetricsTests(FailingCachesDaemon run) : IClassFixture<FailingCachesDaemon>
{
    /// <summary>
    /// Series that appear only after an event this run does not cause: an inotify queue overflow needs the kernel's
    /// queue to fill (fs.inotify.max_queued_events is system-wide, so no test lowers it).
    /// </summary>
    private static readonly HashSet<string> NotDrivenHere = new(StringComparer.Ordinal) { "nix_watcher_inotify_overflows_total" };

    [Fact]
    public void Scrape_EverySeriesTheDashboardAndTheRulesName_IsExported()
    {
        var exported = PromQl.ExposedSeries(run.Scrape);
        var named = GrafanaDashboard.Load(ContribFiles.Dashboard).Queries.Select(q => (Where: $"dashboard '{q.Panel}' {q.RefId}", q.Expression))
            .Concat(AlertRuleFile.Load(ContribFiles.Rules).Alerts.Select(a => (Where: "alert " + a.Name, a.Expression)))
            .SelectMany(e => PromQl.MetricNames(e.Expression).Where(n => n != "up").Select(n => (e.Where, Name: n)))
            .ToList();

        var missing = named.Where(n => !exported.Contains(n.Name) && !NotDrivenHere.Contains(n.Name)).ToList();

        Assert.True(missing.Count == 0, "not in /metrics: " + string.Join("; ", missing.Select(m => $"{m.Name} ({m.Where})")) + "\n--- /metrics:\n" + run.Scrape);
        Assert.True(named.Count > 20, $"only {named.Count} names found in the dashboard and the rules");
        Assert.All(NotDrivenHere, n => Assert.Contains(n, named.Select(x => x.Name)));
        Assert.True(Value("nix_watcher_dead_letters", "refusing") >= 1, "no dead letter for refusing");
        Assert.Equal(1, Value("nix_watcher_circuit_open", "flaky"));
        Assert.Equal(0, Value("nix_watcher_circuit_open", "local"));
    }

    [Fact]
    public async Task DashboardQueries_RunByRealPrometheus_FindSeriesWithTheLabelsTheirLegendsShow()
    {
        var ct = TestContext.Current.CancellationToken;
        var dashboard = GrafanaDashboard.Load(ContribFiles.Dashboard);
        var expected = dashboard.Queries.Where(q => !PromQl.MetricNames(q.Expression).Overlaps(NotDrivenHere)).ToList();

        foreach (var query in dashboard.Queries.Except(expected))
        {
            // Still valid PromQL: Prometheus answers 400 to a query it cannot parse.
            await run.Prometheus.QueryAsync(GrafanaDashboard.Substitute(query.Expression), ct);
        }

        foreach (var query in expected)
        {
            string promql = GrafanaDashboard.Substitute(query.Expression);
            var series = await UntilAnyAsync(promql, ct);
            foreach (string label in GrafanaDashboard.LegendLabels(query.Legend))
            {
                Assert.True(series.All(s => s.Labels.TryGetValue(label, out string? value) && value.Length > 0), $"'{query.Panel}' {query.RefId}: a series lacks the label {label} its legend shows: {promql}");
            }
        }

        foreach (var variable in dashboard.Variables.Where(v => v.GetProperty("type").GetString() == "query"))
        {
            var (selector, label) = GrafanaDashboard.LabelValues(variable.GetProperty("definition").GetString()!);
            var series = await UntilAnyAsync(GrafanaDashboard.Substitute(selector), ct);
            Assert.All(series, s => Assert.True(s.Labels.ContainsKey(label), $"${variable.GetProperty("name").GetString()}: {selector} has no label {label}"));
        }
    }

    [Fact]
    public async Task Rules_EvaluatedByRealPrometheus_HaveNoErrorsAndTheDeadLetterAndPausedCacheAlertsArePending()
    {
        var ct = TestContext.Current.CancellationToken;
        var alerts = AlertRuleFile.Load(ContribFiles.Rules).Alerts;

        var rules = await UntilAsync(
            async () => (await run.Prometheus.GetDataAsync("api/v1/rules", ct)).GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList(),
            r => r.Count == alerts.Count && r.All(x => x.GetProperty("health").GetString() != "unknown"),
            "every rule evaluated",
            ct);
        Assert.All(rules, r => Assert.True(r.GetProperty("health").GetString() == "ok", $"{r.GetProperty("name").GetString()}: {r.GetProperty("health").GetString()} {(r.TryGetProperty("lastError", out var e) ? e.GetString() : null)}"));
        Assert.Equal(alerts.Select(a => a.Name), rules.Select(r => r.GetProperty("name").GetString()));

        var active = await UntilAsync(
            async () => (await run.Prometheus.GetDataAsync("api/v1/alerts", ct)).GetProperty("alerts").EnumerateArray()
                .Select(a => (Name: a.GetProperty("labels").GetProperty("alertname").GetString()!, Cache: a.GetProperty("labels").TryGetProperty("cache", out var c) ? c.GetString() : null, State: a.GetProperty("state").GetString()!))
                .ToList(),
            a => a.Contains(("NixWatcherDeadLetters", "refusing", "pending")) && a.Contains(("NixWatcherCircuitOpen", "flaky", "pending")),
            "the dead-letter and circuit alerts pending",
            ct);
        Assert.DoesNotContain(active, a => a.Name is "NixWatcherDown" or "NixWatcherScrapeAbsent");
        Assert.DoesNotContain(active, a => a.Cache == "local");
        var up = Assert.Single(await run.Prometheus.QueryAsync("up{job=\"nix-watcher\"}", ct));
        Assert.Equal(1, up.Value);
    }

    /// <summary>The value of a series of <paramref name="name"/> with <c>cache="<paramref name="cache"/>"</c> in the scrape.</summary>
    private double Value(string name, string cache) =>
        PromQl.Samples(run.Scrape, name).Single(s => s.Labels.GetValueOrDefault("cache") == cache).Value;

    /// <summary>Runs <paramref name="promql"/> until it returns series (Prometheus needs a few scrapes for a rate).</summary>
    private async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> UntilAnyAsync(string promql, CancellationToken cancellationToken) =>
        await UntilAsync(() => run.Prometheus.QueryAsync(promql, cancellationToken), s => s.Count > 0, "series for " + promql, cancellationToken);

    private async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            T value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(waited.Elapsed < TestTimeouts.Scrape, $"waited {waited.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s for {what}; last: {JsonSerializer.Serialize(value)}\n{run.Prometheus.Log}");
            // The real Prometheus scrapes on its own interval: ask again, bounded by TestTimeouts.Scrape above.
            await Task.Delay(500, cancellationToken);
        }
    }
}
