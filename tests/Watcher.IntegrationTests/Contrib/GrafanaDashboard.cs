using System.Text.Json;
using System.Text.RegularExpressions;

namespace Watcher.IntegrationTests.Contrib;

/// <summary>
/// The Grafana dashboard JSON: its panels (those inside rows included), their queries and its template variables,
/// and the queries as Prometheus gets them once Grafana has put in the variables.
/// </summary>
public sealed partial class GrafanaDashboard
{
    /// <summary>What Grafana puts in for its own variables and the dashboard's, when the tests run a query.</summary>
    private static readonly Dictionary<string, string> Substitutes = new(StringComparer.Ordinal)
    {
        ["__rate_interval"] = "1m",
        ["__interval"] = "15s",
        ["__range"] = "5m",
        ["job"] = "nix-watcher",
        ["instance"] = ".*",
        ["cache"] = ".*",
    };

    private GrafanaDashboard(JsonElement root)
    {
        Root = root;
        Panels = [.. root.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("panels", out var nested) ? nested.EnumerateArray().Prepend(p) : [p])];
        Queries = [.. Panels
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => new Query(
                p.GetProperty("title").GetString()!,
                t.GetProperty("refId").GetString()!,
                t.GetProperty("expr").GetString()!,
                t.TryGetProperty("legendFormat", out var legend) ? legend.GetString()! : string.Empty,
                t)))];
        Variables = [.. root.GetProperty("templating").GetProperty("list").EnumerateArray()];
    }

    public JsonElement Root { get; }

    /// <summary>Every panel, rows and the panels inside rows included.</summary>
    public IReadOnlyList<JsonElement> Panels { get; }

    public IReadOnlyList<Query> Queries { get; }

    public IReadOnlyList<JsonElement> Variables { get; }

    public static GrafanaDashboard Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return new GrafanaDashboard(document.RootElement.Clone());
    }

    /// <summary>The names of the variables (<c>$name</c>, <c>${name}</c>, <c>[[name]]</c>) an expression uses.</summary>
    public static IReadOnlySet<string> VariablesIn(string expression) =>
        VariableUse().Matches(expression).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The expression with every variable replaced as Grafana would for "All" and a Prometheus scraping every second.</summary>
    public static string Substitute(string expression) =>
        VariableUse().Replace(expression, m => Substitutes.TryGetValue(m.Groups["name"].Value, out string? value)
            ? value
            : throw new InvalidOperationException($"no value for ${m.Groups["name"].Value} in '{expression}'"));

    /// <summary>The <c>{{label}}</c> names a legend format shows.</summary>
    public static IReadOnlySet<string> LegendLabels(string legendFormat) =>
        LegendLabel().Matches(legendFormat).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>A query variable's <c>label_values(selector, label)</c>, split.</summary>
    public static (string Selector, string Label) LabelValues(string definition)
    {
        var match = LabelValuesCall().Match(definition);
        return match.Success ? (match.Groups["selector"].Value, match.Groups["label"].Value) : throw new FormatException($"not label_values(selector, label): {definition}");
    }

    [GeneratedRegex(@"\$\{(?<name>\w+)(?::\w+)?\}|\$(?<name>\w+)|\[\[(?<name>\w+)\]\]")]
    private static partial Regex VariableUse();

    [GeneratedRegex(@"\{\{\s*(?<name>\w+)\s*\}\}")]
    private static partial Regex LegendLabel();

    [GeneratedRegex(@"^label_values\((?<selector>.+),\s*(?<label>\w+)\)$")]
    private static partial Regex LabelValuesCall();

    /// <summary>One query of a panel.</summary>
    public sealed record Query(string Panel, string RefId, string Expression, string Legend, JsonElement Target);
}
