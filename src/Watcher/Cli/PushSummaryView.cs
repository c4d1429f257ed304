using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Watcher.Cli.Display;

namespace Watcher.Cli;

/// <summary>
/// The end of <c>push</c> and <c>scan</c> on stdout: a table on a terminal, a line per cache anywhere else, the
/// <see cref="PushSummary"/> as JSON with <c>--json</c>, and nothing with <c>--quiet</c> (the exit code says it).
/// </summary>
internal static class PushSummaryView
{
    private static readonly Style FailedStyle = new(Color.Red);

    public static async Task WriteAsync(PushSummary summary, ConsoleOutput output, bool json)
    {
        if (json)
        {
            await output.Out.WriteLineAsync(JsonSerializer.Serialize(summary, PushJsonContext.Default.PushSummary));
        }
        else if (output.Quiet)
        {
            return;
        }
        else if (output.Tables is { } terminal)
        {
            terminal.Write(Table(summary));
        }
        else
        {
            foreach (var cache in summary.Caches)
            {
                await output.Out.WriteLineAsync(Line(cache));
            }
        }
    }

    /// <summary>"local: 3 pushed, 2 already present, 0 failed; 1 filtered, 1.2 MiB in 0.4 s".</summary>
    internal static string Line(CachePushSummary cache) => string.Create(
        CultureInfo.InvariantCulture,
        $"{cache.Name}: {cache.Pushed} pushed, {cache.Present + cache.Upstream} already present, {cache.Failed} failed; {cache.Filtered} filtered, {Units.Bytes(cache.UploadedBytes)} in {Units.Duration(TimeSpan.FromSeconds(cache.Seconds))}");

    internal static Table Table(PushSummary summary)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("cache");
        foreach (string column in (string[])["pushed", "already present", "filtered", "failed", "uploaded", "time"])
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var cache in summary.Caches)
        {
            table.AddRow(
                new Text(cache.Name),
                Count(cache.Pushed),
                Count(cache.Present + cache.Upstream),
                Count(cache.Filtered),
                Count(cache.Failed, cache.Failed > 0 ? FailedStyle : Style.Plain),
                new Text(Units.Bytes(cache.UploadedBytes)),
                new Text(Units.Duration(TimeSpan.FromSeconds(cache.Seconds))));
        }

        return table;
    }

    private static Text Count(int count, Style? style = null) => new(count.ToString(CultureInfo.InvariantCulture), style);
}
