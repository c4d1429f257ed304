using Watcher.Caches;
using Watcher.Core;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.Push;
using Watcher.State;
using Watcher.Store;

namespace Watcher.Pipeline;

/// <summary>
/// Works one cache's pending journal: sets the cache up, then takes the oldest pairs with the store facts the
/// planner journaled, pulls in any pending references they need, orders them references-first and pushes them
/// in a <see cref="PushRound"/> (held as temporary GC roots, through its <see cref="PushSession"/>), then records each
/// outcome in the state.
/// </summary>
/// <remarks>
/// The journal, not memory, holds the queue, so memory does not grow with its length; and because an outcome is
/// written only after the cache confirmed it, a crash at any moment only repeats work. Failures were retried by
/// the cache's request policy already: a path that still fails becomes a dead letter, unless the cache is paused
/// (it waits) or a reference of it is still to do (it follows that reference). Between rounds, its
/// <see cref="CacheInfoWatch"/> (none in tests that do not need one) notices a wiped cache.
/// </remarks>
internal sealed partial class CacheScheduler(
    CacheTarget target,
    IStoreQueries store,
    StateStore state,
    INarSource source,
    StageMonitor monitor,
    WatcherMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger,
    CacheInfoWatch? cacheInfo = null)
{
    /// <summary>How many journal entries one round takes; bounds memory per round.</summary>
    public const int RoundSize = 256;

    /// <summary>How long an idle scheduler waits for a wake-up before it looks at the journal again anyway.</summary>
    public static readonly TimeSpan IdleRecheck = TimeSpan.FromMinutes(1);

    /// <summary>The longest pause after a round that moved nothing (1 s, doubling).</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    /// <summary>Runs until <paramref name="stopStarting"/>: rounds end early then, leaving the rest pending.</summary>
    /// <param name="stopStarting">Stop taking new work (uploads in progress continue).</param>
    /// <param name="abort">Abort uploads in progress (the drain is over).</param>
    public async Task RunAsync(CancellationToken stopStarting, CancellationToken abort)
    {
        monitor.Started();
        try
        {
            if (!await InitializeAsync(stopStarting))
            {
                return;
            }

            var session = new PushSession(target.Cache, source, target.Options.Jobs, target.Options.SkipSignedBy, logger, timeProvider);
            var round = new PushRound(store);
            int idleRounds = 0;
            while (!stopStarting.IsCancellationRequested)
            {
                if (cacheInfo is not null)
                {
                    await cacheInfo.CheckAsync(stopStarting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                bool progress;
                try
                {
                    progress = await RoundAsync(round, session, stopStarting, abort);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !abort.IsCancellationRequested)
                {
                    if (stopStarting.IsCancellationRequested)
                    {
                        break;
                    }

                    Log.RoundFailed(logger, target.Name, ex.Message, Failures.StackTraceFor(ex));
                    progress = false;
                }

                if (progress)
                {
                    monitor.Progressed();
                    idleRounds = 0;
                    continue;
                }

                monitor.Idle();
                if (state.CountPending(target.Name) == 0)
                {
                    idleRounds = 0;
                    await target.WaitAsync(IdleRecheck, timeProvider, stopStarting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                await Task.Delay(Backoff(idleRounds++), timeProvider, stopStarting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            monitor.Ended();
        }
    }

    /// <summary>Sets the cache up (nix-cache-info, its settings), trying again with backoff; false when stopping first.</summary>
    private async Task<bool> InitializeAsync(CancellationToken stopStarting)
    {
        for (int failures = 0; !stopStarting.IsCancellationRequested; failures++)
        {
            try
            {
                await target.Cache.InitializeAsync(stopStarting);
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopStarting.IsCancellationRequested)
            {
                var delay = Backoff(failures);
                Log.SetupFailed(logger, target.Name, delay.TotalSeconds, ex.Message, Failures.StackTraceFor(ex));
                await Task.Delay(delay, timeProvider, stopStarting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        return false;
    }

    /// <summary>After a round that moved nothing: the pause of the cache's open circuit, or 1 s doubling to a minute.</summary>
    private TimeSpan Backoff(int idleRounds)
    {
        var delay = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(idleRounds, 16))));
        return target.Activity.PausedUntil is { } pausedUntil && pausedUntil - timeProvider.GetUtcNow() is var pause && pause > delay ? pause : delay;
    }

    /// <summary>One round; returns whether anything left the journal or changed in it.</summary>
    private async Task<bool> RoundAsync(PushRound round, PushSession session, CancellationToken stopStarting, CancellationToken abort)
    {
        var pending = state.TakePending(target.Name, RoundSize);
        if (pending.Count == 0)
        {
            return false;
        }

        monitor.Working();
        var (infos, vanished) = await LoadBatchAsync(pending, abort);
        Forget(vanished, SkipReason.Gc);
        var (ordered, buried) = WithoutBlocked(ClosureOrder.Sort(infos.Values));
        if (ordered.Count == 0)
        {
            return vanished.Count > 0 || buried;
        }

        var relied = await ReliedAsync(ordered, abort);
        var outcomes = await round.PushAsync(session, ordered, relied, abort, stopStarting);
        bool reliedChanged = RecordRelied(relied, outcomes);
        return await RecordAsync(outcomes, infos, abort) || vanished.Count > 0 || buried || reliedChanged;
    }
}
