using System.Text.Json;

namespace Watcher.IntegrationTests.Contrib;

/// <summary>
/// <c>contrib/grafana/nix-watcher.json</c> is importable anywhere (its data source is a variable) and covers every
/// metric of docs/metrics.md. Whether its queries find the daemon's series is checked against a real daemon and
/// Prometheus in <see cref="ExportedMetricsTests"/>.
/// </summary>
public sealed class DashboardTests
{
    private static readonly HashSet<string> GrafanaVariables = new(StringComparer.Ordinal) { "__rate_interval", "__interval", "__range" };

    private readonly GrafanaDashboard _dashboard = GrafanaDashboard.Load(ContribFiles.Dashboard);

    [Fact]
    public void Dashboard_DataSource_IsAVariableThatEveryPanelAndQueryUses()
    {
        var variable = Assert.Single(_dashboard.Variables, v => v.GetProperty("type").GetString() == "datasource");
        string reference = "${" + variable.GetProperty("name").GetString() + "}";

        Assert.Equal("prometheus", variable.GetProperty("query").GetString());
        Assert.False(_dashboard.Root.TryGetProperty("__inputs", out _), "__inputs would make the import ask for a data source instead of using the variable");
        Assert.All(_dashboard.Panels.Where(p => p.GetProperty("type").GetString() != "row"), p => AssertUses(p, reference, p.GetProperty("title").GetString()!));
        Assert.All(_dashboard.Queries, q => AssertUses(q.Target, reference, $"{q.Panel}/{q.RefId}"));
        Assert.All(_dashboard.Variables.Where(v => v.GetProperty("type").GetString() == "query"), v => AssertUses(v, reference, "$" + v.GetProperty("name").GetString()));
        Assert.Null(_dashboard.Root.GetProperty("id").GetString());
        Assert.Equal("nix-watcher", _dashboard.Root.GetProperty("uid").GetString());
    }

    [Fact]
    public void Dashboard_EveryVariableAQueryUses_IsDefined()
    {
        var defined = _dashboard.Variables.Select(v => v.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
        var expressions = _dashboard.Queries.Select(q => (Where: $"{q.Panel}/{q.RefId}", q.Expression))
            .Concat(_dashboard.Variables.Where(v => v.TryGetProperty("definition", out _)).Select(v => (Where: "$" + v.GetProperty("name").GetString(), Expression: v.GetProperty("definition").GetString()!)));

        Assert.All(expressions, e => Assert.All(GrafanaDashboard.VariablesIn(e.Expression), name =>
            Assert.True(defined.Contains(name) || GrafanaVariables.Contains(name), $"{e.Where} uses ${name}, which is not defined")));
        Assert.Equal(["datasource", "job", "instance", "cache"], _dashboard.Variables.Select(v => v.GetProperty("name").GetString()));
    }

    [Fact]
    public void Dashboard_Panels_HaveUniqueIdsAndDoNotOverlap()
    {
        var panels = _dashboard.Panels.Select(p => (Id: p.GetProperty("id").GetInt32(), Title: p.GetProperty("title").GetString()!, Box: Box(p))).ToList();

        Assert.Equal(panels.Count, panels.Select(p => p.Id).Distinct().Count());
        Assert.All(panels, p => Assert.True(p.Box.X >= 0 && p.Box.W > 0 && p.Box.X + p.Box.W <= 24 && p.Box.H > 0, $"{p.Title} lies outside the 24 columns"));
        foreach (var (a, i) in panels.Select((p, i) => (p, i)))
        {
            foreach (var b in panels.Skip(i + 1))
            {
                bool overlap = a.Box.X < b.Box.X + b.Box.W && b.Box.X < a.Box.X + a.Box.W && a.Box.Y < b.Box.Y + b.Box.H && b.Box.Y < a.Box.Y + a.Box.H;
                Assert.False(overlap, $"'{a.Title}' and '{b.Title}' overlap");
            }
        }
    }

    [Fact]
    public void Dashboard_EveryDocumentedMetric_IsQueriedAndNothingElse()
    {
        var documented = PromQl.DocumentedMetrics(File.ReadAllText(ContribFiles.MetricsDoc));
        var families = documented.Keys.ToHashSet(StringComparer.Ordinal);
        var queried = _dashboard.Queries
            .SelectMany(q => PromQl.MetricNames(q.Expression))
            .Where(n => n != "up")
            .Select(n => PromQl.Family(n, families))
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(documented.Count >= 15, $"only {documented.Count} metrics found in docs/metrics.md");
        Assert.Empty(families.Except(queried));
        Assert.Empty(queried.Except(families));
    }

    [Fact]
    public void Dashboard_EveryQuery_HasAUniqueRefIdAndALegend()
    {
        Assert.NotEmpty(_dashboard.Queries);
        Assert.All(_dashboard.Queries, q =>
        {
            Assert.Matches("^[A-Z]$", q.RefId);
            Assert.NotEmpty(GrafanaDashboard.LegendLabels(q.Legend));
        });
        Assert.All(_dashboard.Queries.GroupBy(q => q.Panel), g => Assert.Equal(g.Count(), g.Select(q => q.RefId).Distinct().Count()));
    }

    private static void AssertUses(JsonElement element, string reference, string where)
    {
        Assert.True(element.TryGetProperty("datasource", out var source), $"{where} has no datasource");
        Assert.Equal("prometheus", source.GetProperty("type").GetString());
        Assert.True(source.GetProperty("uid").GetString() == reference, $"{where} uses data source '{source.GetProperty("uid").GetString()}', not {reference}");
    }

    private static (int X, int Y, int W, int H) Box(JsonElement panel)
    {
        var grid = panel.GetProperty("gridPos");
        return (grid.GetProperty("x").GetInt32(), grid.GetProperty("y").GetInt32(), grid.GetProperty("w").GetInt32(), grid.GetProperty("h").GetInt32());
    }
}
