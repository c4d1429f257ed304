using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Watcher.Config;
using Watcher.Hosting;
using Watcher.State;

namespace Watcher.Cli;

/// <summary><c>nix-watcher status [--json]</c>: asks the running daemon what each cache is doing.</summary>
/// <remarks>
/// With no daemon running it still answers from the state (queues and dead letters survive restarts),
/// says so, and exits 1 so scripts can tell.
/// </remarks>
internal static class StatusCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON (snake_case keys) instead of text" };
        var command = new Command("status", "Show each cache's queue, uploads in progress, dead letters and last error (asks the running daemon)");
        command.Options.Add(json);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(json), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(string? configPath, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        StatusReport? report;
        using (var socket = new ControlSocket(options.StateDir))
        {
            report = await socket.GetStatusAsync(cancellationToken);
        }

        if (report is null)
        {
            using var state = StateStore.Open(options.StateDir);
            report = StatusReport.Build(options, state, _ => null, daemon: false);
        }

        await output.WriteLineAsync(json ? JsonSerializer.Serialize(report, StatusJsonContext.Default.StatusReport) : Format(report));
        return report.Daemon ? ExitCodes.Ok : ExitCodes.Failures;
    }

    internal static string Format(StatusReport report)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(report.Daemon ? $"nix-watcher {report.Version}: running" : "nix-watcher: not running (figures from the state directory)");
        if (report.Metrics is { } metrics)
        {
            text.AppendLine(metrics.Url is { } url
                ? $"metrics: serving on {url}"
                : $"metrics: NOT serving on {metrics.Listen} since {Time(metrics.FailingSince)}: {metrics.Error}; next try at {Time(metrics.NextAttempt)}");
        }

        foreach (string problem in report.Problems)
        {
            text.AppendLine("unhealthy: " + problem);
        }

        foreach (var cache in report.Caches)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{cache.Name} ({cache.Type}): {cache.Pending} pending, {cache.InFlight} uploading, {cache.DeadLetterCount} dead letters");
            if (cache.Circuit is "open" or "half-open")
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  paused after repeated failures{(cache.PausedUntil is { } until ? " until " + Time(until) : string.Empty)}");
            }

            if (cache.LastSuccess is { } success)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  last push:  {Time(success)}");
            }

            if (cache.LastError is { } error)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  last error: {Time(cache.LastErrorAt)} {error}");
            }

            foreach (var letter in cache.DeadLetters)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  dead: {letter.Path} (attempts: {letter.Attempts}, {Time(letter.FailedAt)}): {letter.Reason}");
            }

            if (cache.DeadLetterCount > cache.DeadLetters.Count)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  … and {cache.DeadLetterCount - cache.DeadLetters.Count} more (see --json)");
            }
        }

        if (report.Caches.Any(c => c.DeadLetterCount > 0))
        {
            text.AppendLine("Fix the cause, then run 'nix-watcher retry' to push the dead letters again.");
        }

        return text.ToString().TrimEnd();
    }

    private static string Time(DateTimeOffset? at) => at?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "?";
}
