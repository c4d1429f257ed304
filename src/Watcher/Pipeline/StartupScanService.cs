using Watcher.Config;
using Watcher.Nix;
using Watcher.State;
using Watcher.Store;

namespace Watcher.Pipeline;

/// <summary>
/// Catches up at start: tries again the dead letters of caches whose configuration changed (see
/// <see cref="CacheFingerprint"/>; the others stay dead until <c>retry</c>), then feeds the planner what appeared
/// while Watcher was not watching. <c>all</c>: every valid path the state has not seen (a restart costs O(new paths));
/// <c>roots</c>: the configured roots' closures; every mode: paths registered since the scan cursor,
/// so a crash between a build finishing and its journaling loses nothing. The seen and pushed rows of paths the store no
/// longer has are dropped on the way, so the journal does not grow with every path ever collected.
/// </summary>
internal sealed partial class StartupScanService(
    WatcherOptions options,
    DiscoveryQueue queue,
    IStoreQueries store,
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
            RequeueCuredDeadLetters();

            // Read before the store is listed: a path journaled after the listing may be newer than it, and is kept.
            var known = state.KnownPaths();

            // Read before anything is queued: the planner moves the cursor once it has planned a batch, and a cursor it
            // set for the roots queued below would make every path registered in the last minutes look new.
            long? cursor = state.GetScanCursor();

            if (options.Watch.Scan == ScanMode.Roots)
            {
                await ScanRootsAsync(stoppingToken);
            }

            long listed = timeProvider.GetUtcNow().ToUnixTimeSeconds();
            var all = await store.QueryAllValidPathsAsync(stoppingToken);
            PruneInvalid(known, all);
            var unseen = state.FilterUnseen(all);
            var toPlan = options.Watch.Scan == ScanMode.All ? unseen : await RegisteredSinceAsync(cursor, unseen, stoppingToken);
            foreach (var path in toPlan)
            {
                await queue.WriteAsync(new Discovery(path, DiscoverySource.Scan), stoppingToken);
            }

            // The rest predates the cursor (or this is the first run): the baseline a rescan diffs against.
            var planned = toPlan.ToHashSet();
            state.MarkSeen(unseen.Where(p => !planned.Contains(p)));
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

    /// <summary>Requeues the dead letters of each cache whose configuration is not what it was when they died.</summary>
    private void RequeueCuredDeadLetters()
    {
        foreach (var cache in options.Caches)
        {
            string fingerprint = CacheFingerprint.Of(cache);
            if (state.GetCacheFingerprint(cache.Name) != fingerprint)
            {
                int requeued = state.RequeueDeadLetters(timeProvider.GetUtcNow(), cache.Name);
                if (requeued > 0)
                {
                    Log.Requeued(logger, requeued, cache.Name);
                }

                state.SetCacheFingerprint(cache.Name, fingerprint);
            }
        }
    }

    /// <summary>Drops the seen and pushed rows of the <paramref name="known"/> paths that are not among the valid ones.</summary>
    private void PruneInvalid(IReadOnlyList<string> known, IReadOnlyList<StorePath> valid)
    {
        var validSet = valid.Select(p => p.FullPath).ToHashSet(StringComparer.Ordinal);
        var invalid = known.Where(p => !validSet.Contains(p)).ToList();
        if (invalid.Count > 0)
        {
            state.DropPaths(invalid);
            Log.Pruned(logger, invalid.Count);
        }
    }

    private async Task ScanRootsAsync(CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedRoot>();
        foreach (var path in ScanPaths.ResolveRoots(options.Watch.Roots, store.StoreDir, skipped))
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

    private async Task<List<StorePath>> RegisteredSinceAsync(long? cursor, IReadOnlyList<StorePath> unseen, CancellationToken cancellationToken)
    {
        if (cursor is null || unseen.Count == 0)
        {
            return [];
        }

        long since = cursor.Value - (long)CursorSlack.TotalSeconds;
        var infos = await store.QueryPathInfosAsync(unseen, cancellationToken);
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

        [LoggerMessage(EventId = 343, EventName = "DeadLettersRequeued", Level = LogLevel.Information, Message = "the configuration of {Cache} changed: trying its {Count} dead letters again")]
        public static partial void Requeued(ILogger logger, int count, string cache);

        [LoggerMessage(EventId = 344, EventName = "JournalPruned", Level = LogLevel.Information, Message = "forgot {Count} paths the store no longer has (garbage-collected) from the journal")]
        public static partial void Pruned(ILogger logger, int count);
    }
}
