using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Hosting;
using Watcher.State;
using Watcher.Upload;

namespace Watcher.Cli;

/// <summary><c>nix-watcher status [--json | --watch]</c>: asks the running daemon what each cache is doing.</summary>
/// <remarks>
/// With no daemon running it still answers from the state (queues and dead letters survive restarts),
/// says so, and exits 1 so scripts can tell.
/// </remarks>
internal static class StatusCommand
{
    /// <summary>How often <c>--watch</c> asks again.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON (snake_case keys) instead of text" };
        var watch = new Option<bool>("--watch", "-w") { Description = $"Ask again every {WatchInterval.TotalSeconds:0} s, in place on a terminal, until interrupted" };
        var command = new Command("status", "Show each cache's queue, how fast it moves, uploads in progress, dead letters and last error (asks the running daemon)");
        command.Options.Add(json);
        command.Options.Add(watch);
        command.SetAction((parse, ct) => parse.GetValue(watch)
            ? WatchAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(json), ConsoleOutput.ForProcess(), TimeProvider.System, ct)
            : RunAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(json), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(string? configPath, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        var report = await ReportAsync(options, TimeProvider.System, cancellationToken);
        await output.WriteLineAsync(json ? JsonSerializer.Serialize(report, StatusJsonContext.Default.StatusReport) : Format(report));
        return report.Daemon ? ExitCodes.Ok : ExitCodes.Failures;
    }

    /// <summary>
    /// <c>--watch</c>: the report again every <see cref="WatchInterval"/>, redrawn in place when stdout is a terminal and
    /// one after the other anywhere else, until interrupted; exits as the last report would have.
    /// </summary>
    public static async Task<int> WatchAsync(string? configPath, bool json, ConsoleOutput output, TimeProvider time, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        var report = await ReportAsync(options, time, cancellationToken);
        try
        {
            if (output.Tables is { } terminal && !json)
            {
                await terminal.Live(new Text(Format(report))).StartAsync(async live =>
                {
                    while (true)
                    {
                        await Task.Delay(WatchInterval, time, cancellationToken);
                        report = await ReportAsync(options, time, cancellationToken);
                        live.UpdateTarget(new Text(Format(report)));
                    }
                });
            }
            else
            {
                while (true)
                {
                    await output.Out.WriteLineAsync(json ? JsonSerializer.Serialize(report, StatusJsonContext.Default.StatusReport) : Format(report) + "\n");
                    await output.Out.FlushAsync(cancellationToken);
                    await Task.Delay(WatchInterval, time, cancellationToken);
                    report = await ReportAsync(options, time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted: the way --watch ends.
        }

        return report.Daemon ? ExitCodes.Ok : ExitCodes.Failures;
    }

    /// <summary>Asks the daemon; without one, builds the report from the state.</summary>
    private static async Task<StatusReport> ReportAsync(WatcherOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        using (var socket = new ControlSocket(options.StateDir))
        {
            if (await socket.GetStatusAsync(cancellationToken) is { } report)
            {
                return report;
            }
        }

        using var state = StateStore.Open(options.StateDir);
        return StatusReport.Build(options, state, _ => null, daemon: false, time.GetUtcNow());
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

        if (report.UploadLimit is { } limit)
        {
            text.AppendLine("upload limit: " + limit.Describe());
        }

        foreach (string problem in report.Problems)
        {
            text.AppendLine("unhealthy: " + problem);
        }

        foreach (var cache in report.Caches)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{cache.Name} ({cache.Type}): {cache.Pending} pending, {cache.InFlight} uploading, {cache.DeadLetterCount} dead letters");
            if (cache.PathsPerMinute is { } rate)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  rate:       {rate:0.#} paths/min over the last {PushRate.Window.TotalMinutes:0} min");
            }

            if (cache.UploadLimit is { Schedule: not "off" } cacheLimit)
            {
                text.AppendLine("  limit:      " + cacheLimit.Describe());
            }

            if (cache.OldestPending is { } oldest)
            {
                string age = cache.OldestPendingAgeSeconds is { } seconds ? Units.Duration(TimeSpan.FromSeconds(seconds)) + ", " : string.Empty;
                text.AppendLine(CultureInfo.InvariantCulture, $"  oldest pending: waiting {age}since {Time(oldest)}");
            }

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
