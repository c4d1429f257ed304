using Watcher.Caches;
using Watcher.Config;
using Watcher.Core;
using Watcher.Metrics;
using Watcher.Push;
using Watcher.State;
using Watcher.Store;

namespace Watcher.Pipeline;

/// <summary>
/// Turns discoveries into journaled work: collects a batch (<see cref="BatchWindow"/>), makes its
/// <see cref="PushPlan"/> (validity, closure, filters), and appends to each cache's pending journal, references
/// first and with their store facts, what the journal does not already know that cache has.
/// </summary>
/// <remarks>
/// Batching keeps a burst of thousands of paths to a few daemon round trips. The planner never talks to a
/// cache: each cache's scheduler asks it once per round what it lacks, so a slow or dead cache never holds up
/// planning. Nothing is acknowledged before it is journaled: a crash loses at most the batch in memory, which
/// the scan cursor brings back at the next start.
/// </remarks>
internal sealed partial class Planner(
    DiscoveryQueue queue,
    IStoreQueries store,
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
    private readonly StageMonitor _monitor = health.Register(PipelineHealth.PlannerStage);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _monitor.Started();
        try
        {
            var reader = queue.Reader;
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                long started = timeProvider.GetUtcNow().ToUnixTimeSeconds();
                var batch = await _window.CollectAsync(stoppingToken);
                _monitor.Working();
                try
                {
                    await PlanAsync(batch, stoppingToken);
                    _monitor.Progressed();
                    if (queue.Count == 0)
                    {
                        // Everything registered before this batch began has been considered.
                        state.SetScanCursor(started);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The paths stay unseen: the next rescan or start plans them again.
                    Log.PlanFailed(logger, batch.Count, ex.Message, Failures.StackTraceFor(ex));
                    _monitor.Idle();
                    await Task.Delay(TimeSpan.FromSeconds(5), timeProvider, stoppingToken);
                    await queue.WriteAsync(Discovery.Rescan(DiscoverySource.Scan), stoppingToken);
                }

                _monitor.Idle();
            }
        }
        finally
        {
            _monitor.Ended();
        }
    }

    /// <summary>Plans one batch: validity, closure, filters, journal.</summary>
    internal async Task PlanAsync(IReadOnlyCollection<Discovery> batch, CancellationToken cancellationToken)
    {
        var candidates = batch.Where(d => !d.IsRescan).Select(d => d.Path!).ToHashSet();
        if (batch.Any(d => d.IsRescan))
        {
            candidates.UnionWith(state.FilterUnseen(await store.QueryAllValidPathsAsync(cancellationToken)));
        }

        if (candidates.Count == 0)
        {
            return;
        }

        var plan = await PushPlan.CreateAsync(candidates, store, _filter, cancellationToken);
        foreach (var invalid in plan.Invalid)
        {
            // A failed build also deletes its lock; the path never became valid.
            Log.Invalid(logger, invalid.FullPath);
        }

        var now = timeProvider.GetUtcNow();
        var paths = plan.Closure.Select(p => p.Path).ToList();
        foreach (var target in targets)
        {
            metrics.Skipped(target.Name, SkipReason.Invalid, plan.Invalid.Count);
            metrics.Skipped(target.Name, SkipReason.Excluded, plan.Excluded.Count);
            var known = state.FilterPushed(target.Name, paths);
            metrics.Skipped(target.Name, SkipReason.Present, known.Count);
            if (known.Count < paths.Count)
            {
                state.Enqueue(target.Name, plan.Closure.Where(p => !known.Contains(p.Path)), now);
                target.Wake();
            }
        }

        state.MarkSeen(plan.Considered);
        Log.Planned(logger, candidates.Count - plan.Invalid.Count, plan.Closure.Count, plan.Excluded.Count);
    }
}
