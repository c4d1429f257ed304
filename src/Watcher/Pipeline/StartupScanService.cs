using Watcher.Config;
using Watcher.Nix;
using Watcher.State;
using Watcher.Store;

namespace Watcher.Pipeline;

/// <summary>
/// Catches up at start: requeues dead letters, then feeds the planner what appeared while Watcher was
/// not watching. <c>all</c>: every valid path the state has not seen (a restart costs O(new paths));
/// <c>roots</c>: the configured roots' closures; every mode: paths registered since the scan cursor,
/// so a crash between a build finishing and its journaling loses nothing.
/// </summary>
internal sealed partial class StartupScanService(
    WatcherOptions options,
    DiscoveryQueue queue,
    NixDaemonClient daemon,
    StateStore state,
    TimeProvider timeProvider,
    ILogger<StartupScanService> logger) : BackgroundService
{
    /// <summary>Clock differences and batches in flight around the cursor.</summary>
    private static readonly TimeSpan CursorSlack = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            int requeued = state.RequeueDeadLetters();
            if (requeued > 0)
            {
                Log.Requeued(logger, requeued);
            }

            if (options.Watch.Scan == ScanMode.Roots)
            {
                await ScanRootsAsync(stoppingToken);
            }

            long listed = timeProvider.GetUtcNow().ToUnixTimeSeconds();
            var all = await daemon.QueryAllValidPathsAsync(stoppingToken);
            var unseen = state.FilterUnseen(all.Select(p => p.FullPath).ToList()).Select(p => StorePath.Parse(p, daemon.StoreDir)).ToList();
            var toPlan = options.Watch.Scan == ScanMode.All ? unseen : await RegisteredSinceCursorAsync(unseen, stoppingToken);
            foreach (var path in toPlan)
            {
                await queue.WriteAsync(new Discovery(path, DiscoverySource.Scan), stoppingToken);
            }

            // The rest predates the cursor (or this is the first run): the baseline a rescan diffs against.
            var planned = toPlan.ToHashSet();
            state.MarkSeen(unseen.Where(p => !planned.Contains(p)).Select(p => p.FullPath));
            if (state.GetScanCursor() is null)
            {
                // A first run's baseline is everything listed above. Without a cursor, a crash before the planner
                // next finds its queue empty (a long build keeps it busy) would leave the next start nothing to
                // catch up from, and the paths built since would wait for a rescan.
                state.SetScanCursor(listed);
            }
            Log.Scanned(logger, options.Watch.Scan, all.Count, toPlan.Count);
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // Stopping before the scan finished: the cursor was not advanced, the next start repeats it.
        }
    }

    private async Task ScanRootsAsync(CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedRoot>();
        foreach (var path in ScanPaths.ResolveRoots(options.Watch.Roots, daemon.StoreDir, skipped))
        {
            await queue.WriteAsync(new Discovery(path, DiscoverySource.Scan), cancellationToken);
        }

        foreach (var root in skipped)
        {
            if (root.Missing)
            {
                Log.MissingRoot(logger, root.Root);
            }
            else
            {
                Log.BadRoot(logger, root.Root, root.Reason);
            }
        }
    }

    private async Task<List<StorePath>> RegisteredSinceCursorAsync(List<StorePath> unseen, CancellationToken cancellationToken)
    {
        if (state.GetScanCursor() is not { } cursor || unseen.Count == 0)
        {
            return [];
        }

        long since = cursor - (long)CursorSlack.TotalSeconds;
        var infos = await daemon.QueryPathInfosAsync(unseen, cancellationToken);
        return infos.Where(i => i is not null && i.RegistrationTime >= since).Select(i => i!.Path).ToList();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 340, EventName = "Scanned", Level = LogLevel.Information, Message = "start-up scan ({Mode}): {ValidCount} valid paths, {PlanCount} to consider")]
        public static partial void Scanned(ILogger logger, ScanMode mode, int validCount, int planCount);

        [LoggerMessage(EventId = 341, EventName = "MissingRoot", Level = LogLevel.Warning, Message = "scan root {Root} does not exist; skipping it")]
        public static partial void MissingRoot(ILogger logger, string root);

        [LoggerMessage(EventId = 342, EventName = "BadRoot", Level = LogLevel.Warning, Message = "scan root {Root} skipped: {Reason}")]
        public static partial void BadRoot(ILogger logger, string root, string reason);

        [LoggerMessage(EventId = 343, EventName = "DeadLettersRequeued", Level = LogLevel.Information, Message = "requeued {Count} dead letters from the last run")]
        public static partial void Requeued(ILogger logger, int count);
    }
}
