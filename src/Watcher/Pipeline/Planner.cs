using Watcher.Config;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.State;
using Watcher.Store;

namespace Watcher.Pipeline;

/// <summary>
/// Turns discoveries into journaled work: collects a batch (<see cref="BatchWindow"/>), asks the
/// daemon which paths are valid and what their closures are, applies the filters, drops what each
/// cache already has, and appends the rest to that cache's pending journal, references first.
/// </summary>
/// <remarks>
/// Batching keeps a burst of thousands of paths to a few daemon and cache round trips. Nothing is
/// acknowledged before it is journaled: a crash loses at most the batch in memory, which the scan
/// cursor brings back at the next start.
/// </remarks>
internal sealed partial class Planner(
    DiscoveryQueue queue,
    NixDaemonClient daemon,
    StateStore state,
    IReadOnlyList<CacheTarget> targets,
    WatcherOptions options,
    PipelineHealth health,
    WatcherMetrics metrics,
    TimeProvider timeProvider,
    ILogger<Planner> logger) : BackgroundService
{
    private readonly PathFilter _filter = new(options.Watch);
    private readonly BatchWindow _window = new(queue.Reader, options.Watch.BatchQuiet, options.Watch.BatchMax, timeProvider);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            long started = timeProvider.GetUtcNow().ToUnixTimeSeconds();
            var batch = await _window.CollectAsync(stoppingToken);
            health.Beat(PipelineHealth.PlannerComponent);
            try
            {
                await PlanAsync(batch, stoppingToken);
                if (queue.Count == 0)
                {
                    // Everything registered before this batch began has been considered.
                    state.SetScanCursor(started);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The paths stay unseen: the next rescan or start plans them again.
                Log.PlanFailed(logger, batch.Count, ex.Message, ex);
                await Task.Delay(TimeSpan.FromSeconds(5), timeProvider, stoppingToken);
                await queue.WriteAsync(Discovery.Rescan(DiscoverySource.Scan), stoppingToken);
            }
        }
    }

    /// <summary>Plans one batch: validity, closure, filters, dedupe, journal.</summary>
    internal async Task PlanAsync(IReadOnlyCollection<Discovery> batch, CancellationToken cancellationToken)
    {
        var candidates = batch.Where(d => !d.IsRescan).Select(d => d.Path!).ToHashSet();
        if (batch.Any(d => d.IsRescan))
        {
            var all = await daemon.QueryAllValidPathsAsync(cancellationToken);
            foreach (string unseen in state.FilterUnseen(all.Select(p => p.FullPath).ToList()))
            {
                candidates.Add(StorePath.Parse(unseen, daemon.StoreDir));
            }
        }

        if (candidates.Count == 0)
        {
            return;
        }

        var valid = await daemon.QueryValidPathsAsync(candidates, cancellationToken);
        int invalidCount = 0;
        foreach (var invalid in candidates.Except(valid))
        {
            // A failed build also deletes its lock; the path never became valid.
            Log.Invalid(logger, invalid.FullPath);
            invalidCount++;
        }

        foreach (var target in targets)
        {
            metrics.Skipped(target.Name, "invalid", invalidCount);
        }

        if (valid.Count == 0)
        {
            return;
        }

        var closure = await daemon.QueryClosureAsync(valid, cancellationToken);
        foreach (var target in targets)
        {
            await JournalAsync(target, closure, cancellationToken);
        }

        state.MarkSeen(closure.Select(p => p.Path.FullPath));
        Log.Planned(logger, valid.Count, closure.Count);
    }

    private async Task JournalAsync(CacheTarget target, IReadOnlyList<PathInfo> closure, CancellationToken cancellationToken)
    {
        var wanted = new List<string>(closure.Count);
        foreach (var info in closure)
        {
            switch (_filter.Check(info, target))
            {
                case null:
                    wanted.Add(info.Path.FullPath);
                    break;
                case var reason:
                    metrics.Skipped(target.Name, reason.Value == SkipReason.Upstream ? "upstream" : "excluded");
                    break;
            }
        }

        var known = state.FilterPushed(target.Name, wanted);
        metrics.Skipped(target.Name, "present", known.Count);
        var unknown = wanted.Where(p => !known.Contains(p)).ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        IReadOnlySet<StorePath>? missing = null;
        try
        {
            missing = await target.FindMissingOnceAsync(unknown.Select(p => StorePath.Parse(p, daemon.StoreDir)).ToList(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The cache is unreachable: journal everything; its scheduler asks again when it is back.
            Log.DedupeFailed(logger, target.Name, ex.Message);
        }

        if (missing is not null)
        {
            var missingNames = missing.Select(p => p.FullPath).ToHashSet(StringComparer.Ordinal);
            var present = unknown.Where(p => !missingNames.Contains(p)).ToList();
            state.MarkPushed(target.Name, present);
            metrics.Skipped(target.Name, "present", present.Count);
            unknown = unknown.Where(missingNames.Contains).ToList();
        }

        if (unknown.Count > 0)
        {
            state.Enqueue(target.Name, unknown);
            target.Wake();
        }
    }
}
