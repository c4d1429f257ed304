using System.CommandLine;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Pipeline;
using Watcher.Store;
using Watcher.Upload;
using Watcher.Upload.Bandwidth;

namespace Watcher.Cli;

/// <summary>
/// <c>nix-watcher scan [--all]</c>: the start-up catch-up as a one-shot command. It pushes what the configured
/// scan covers (<c>watch.scan</c>: the roots' closures, or every valid path with <c>all</c> or <c>--all</c>),
/// filtered as the daemon filters, to every cache, then exits: 0 only when all of it is in every cache.
/// </summary>
/// <remarks>Like <c>push</c>, it does not use the daemon's state: every cache is asked what it lacks.</remarks>
internal static partial class ScanCommand
{
    private static readonly Option<bool> AllOption = new("--all")
    {
        Description = "Scan every valid store path, whatever watch.scan says",
    };

    private static readonly Option<bool> QuietOption = OneShotPush.QuietOption();

    private static readonly Option<bool> JsonOption = OneShotPush.JsonOption();

    public static Command Create()
    {
        var command = new Command("scan", "Push what the start-up scan covers (watch.scan, or every valid path with --all) to every cache, then exit");
        command.Options.Add(AllOption);
        command.Options.Add(QuietOption);
        command.Options.Add(JsonOption);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(AllOption), parse.GetValue(QuietOption), parse.GetValue(JsonOption), ct));
        return command;
    }

    private static async Task<int> RunAsync(string? configPath, bool all, bool quiet, bool json, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        var mode = all ? ScanMode.All : options.Watch.Scan;
        if (mode == ScanMode.None)
        {
            await Console.Error.WriteLineAsync("nix-watcher: watch.scan is \"none\": nothing to scan (--all scans every valid store path)");
            return ExitCodes.Ok;
        }

        var output = ConsoleOutput.ForProcess(quiet);
        using var loggerFactory = WatcherCli.CreateLoggerFactory(OneShotPush.MessageLevel(output), output);
        var logger = loggerFactory.CreateLogger("Watcher.Scan");
        using var staging = StagingDirectory.In(options.StateDir);
        using var limits = UploadLimits.From(options, TimeProvider.System);
        using var factory = new CacheFactory(loggerFactory) { Staging = staging, Limits = limits };
        using var daemon = new NixDaemonClient(new NixDaemonClientOptions { StoreDir = options.Watch.StoreDir }, loggerFactory.CreateLogger<NixDaemonClient>());
        using var push = new OneShotPush(options.Caches, factory, daemon, logger);
        PushCommand.ShowCreatedKeys(factory, options.Caches);

        var set = await ScanPaths.QueryAsync(mode, options.Watch, daemon, cancellationToken);
        foreach (var root in set.Skipped)
        {
            Log.RootSkipped(logger, root.Root, root.Reason);
        }

        Log.Scanning(logger, mode, set.Roots.Count, set.Plan.Closure.Count, push.Targets.Count, set.Plan.Excluded.Count);
        var summary = await push.PushAsync(set.Plan, output, cancellationToken);
        await PushSummaryView.WriteAsync(summary, output, json);
        return summary.Failed == 0 ? ExitCodes.Ok : ExitCodes.Failures;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 210, EventName = "ScanClosure", Level = LogLevel.Information, Message = "scan ({Mode}): {RootCount} roots, {PathCount} paths to consider for {CacheCount} caches ({ExcludedCount} excluded)")]
        public static partial void Scanning(ILogger logger, ScanMode mode, int rootCount, int pathCount, int cacheCount, int excludedCount);

        [LoggerMessage(EventId = 211, EventName = "ScanRootSkipped", Level = LogLevel.Warning, Message = "scan root {Root} skipped: {Reason}")]
        public static partial void RootSkipped(ILogger logger, string root, string reason);
    }
}
