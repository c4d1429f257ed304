using System.Text.RegularExpressions;

namespace Watcher.IntegrationTests.Contrib;

/// <summary>What the tests need to know about a PromQL expression or a documented metric name.</summary>
public static partial class PromQl
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    /// <summary>
    /// The series names an expression selects: every <c>nix_watcher_…</c> identifier and <c>up</c>, outside string
    /// literals (label values such as <c>job="nix-watcher"</c> are not names).
    /// </summary>
    public static IReadOnlySet<string> MetricNames(string expression) =>
        SeriesName().Matches(StringLiteral().Replace(expression, "\"\"")).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The metric family a series name belongs to, given the documented families: a histogram's <c>_bucket</c>,
    /// <c>_sum</c> and <c>_count</c> series belong to the histogram.
    /// </summary>
    public static string Family(string series, IReadOnlySet<string> families) =>
        families.Contains(series)
            ? series
            : HistogramSuffixes.Where(s => series.EndsWith(s, StringComparison.Ordinal)).Select(s => series[..^s.Length]).FirstOrDefault(families.Contains) ?? series;

    /// <summary>The metric names documented in docs/metrics.md: its <c>### `nix_watcher_…` (type, unit)</c> headings.</summary>
    public static IReadOnlyDictionary<string, string> DocumentedMetrics(string markdown) =>
        DocHeading().Matches(markdown).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value, StringComparer.Ordinal);

    /// <summary>The sample names in a Prometheus text exposition (<c>/metrics</c>), comments left out.</summary>
    public static IReadOnlySet<string> ExposedSeries(string text) =>
        text.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l[..l.IndexOfAny([' ', '{'])])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The samples of one series name in a Prometheus text exposition, with their labels.</summary>
    public static IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)> Samples(string text, string name) =>
        [.. SampleLine().Matches(text)
            .Where(m => m.Groups["name"].Value == name)
            .Select(m => ((IReadOnlyDictionary<string, string>)m.Groups["label"].Captures.Select((c, i) => (c.Value, m.Groups["value"].Captures[i].Value)).ToDictionary(StringComparer.Ordinal),
                double.Parse(m.Groups["sample"].Value, System.Globalization.CultureInfo.InvariantCulture)))];

    [GeneratedRegex(@"\b(?:nix_watcher_[a-z0-9_]+|up)\b")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"(?m)^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?:(?<label>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)"",?)*\})? (?<sample>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"(?m)^### `(?<name>nix_watcher_[a-z0-9_]+)` \((?<type>[a-z -]+),")]
    private static partial Regex DocHeading();
}
