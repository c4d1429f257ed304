using Watcher.Metrics;
using Watcher.Nix;
using Watcher.State;
using Watcher.Store;
using Watcher.Upload;

namespace Watcher.Pipeline;

/// <summary>
/// Works one cache's pending journal: takes the oldest pairs, pulls in any pending references they
/// need, orders them references-first and pushes them with <see cref="PushSession"/> (NARs in
/// parallel, narinfos only after their references), then records each outcome in the state.
/// </summary>
/// <remarks>
/// The journal, not memory, holds the queue, so memory does not grow with its length; and because an
/// outcome is written only after the cache confirmed it, a crash at any moment only repeats work.
/// </remarks>
internal sealed partial class CacheScheduler(
    CacheTarget target,
    NixDaemonClient daemon,
    StateStore state,
    INarSource source,
    PipelineHealth health,
    WatcherMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger)
{
    /// <summary>How many journal entries one round takes; bounds memory per round.</summary>
    public const int RoundSize = 256;

    /// <summary>Transient failures before a path becomes a dead letter.</summary>
    public const int MaxAttempts = 5;

    private static readonly TimeSpan IdleRecheck = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    /// <summary>Runs until <paramref name="stopStarting"/>: rounds end early then, leaving the rest pending.</summary>
    /// <param name="stopStarting">Stop taking new work (uploads in progress continue).</param>
    /// <param name="abort">Abort uploads in progress (the drain budget is over).</param>
    public async Task RunAsync(CancellationToken stopStarting, CancellationToken abort)
    {
        var session = new PushSession(target.Cache, source, target.Options.Jobs, logger);
        int idleRounds = 0;
        while (!stopStarting.IsCancellationRequested)
        {
            health.Beat(target.Name);
            bool progress;
            try
            {
                progress = await RoundAsync(session, stopStarting, abort);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !abort.IsCancellationRequested)
            {
                if (stopStarting.IsCancellationRequested)
                {
                    break;
                }

                Log.RoundFailed(logger, target.Name, ex.Message, ex);
                progress = false;
            }

            if (progress)
            {
                idleRounds = 0;
                continue;
            }

            if (state.CountPending(target.Name) == 0)
            {
                idleRounds = 0;
                await target.WaitAsync(IdleRecheck, timeProvider, stopStarting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            // Work is pending but nothing moved (the cache is down): wait out the pause of its circuit breaker,
            // or else back off, 1 s doubling to a minute.
            var delay = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, idleRounds++)));
            if (target.Activity.PausedUntil is { } pausedUntil && pausedUntil - timeProvider.GetUtcNow() is var pause && pause > delay)
            {
                delay = pause;
            }
            await Task.Delay(delay, timeProvider, stopStarting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One round; returns whether anything left the journal.</summary>
    private async Task<bool> RoundAsync(PushSession session, CancellationToken stopStarting, CancellationToken abort)
    {
        var pending = state.TakePending(target.Name, RoundSize);
        if (pending.Count == 0)
        {
            return false;
        }

        var batch = await LoadBatchAsync(pending.Select(p => p.Path), abort);
        var ordered = TopologicalOrder(batch.Valid);
        foreach (string vanished in batch.Vanished)
        {
            Log.Vanished(logger, vanished, target.Name);
        }

        state.Forget(target.Name, batch.Vanished);
        metrics.Skipped(target.Name, "gc", batch.Vanished.Count);
        if (ordered.Count == 0)
        {
            return batch.Vanished.Count > 0;
        }

        // A concurrent nix-collect-garbage must not delete a path mid-upload.
        using var roots = await daemon.HoldTempRootsAsync(ordered.Select(p => p.Path), abort);
        var outcomes = await session.PushAsync(ordered, abort, stopStarting);
        return Record(outcomes);
    }

    /// <summary>Path infos for the journal entries plus every pending reference they need, transitively.</summary>
    private async Task<(List<PathInfo> Valid, List<string> Vanished)> LoadBatchAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var valid = new Dictionary<string, PathInfo>(StringComparer.Ordinal);
        var vanished = new List<string>();
        var toLoad = paths.ToList();
        while (toLoad.Count > 0 && valid.Count < RoundSize * 16)
        {
            var infos = await daemon.QueryPathInfosAsync(toLoad.Select(p => StorePath.Parse(p, daemon.StoreDir)).ToList(), cancellationToken);
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < toLoad.Count; i++)
            {
                if (infos[i] is not { } info)
                {
                    vanished.Add(toLoad[i]);
                    continue;
                }

                valid[toLoad[i]] = info;
                referenced.UnionWith(info.ReferencesExceptSelf.Select(r => r.FullPath));
            }

            referenced.ExceptWith(valid.Keys);
            referenced.ExceptWith(vanished);
            toLoad = state.FilterPending(target.Name, referenced).ToList();
        }

        return (valid.Values.ToList(), vanished);
    }

    /// <summary>Kahn's algorithm over the references inside the batch; references outside it are already done.</summary>
    internal static List<PathInfo> TopologicalOrder(IReadOnlyCollection<PathInfo> batch)
    {
        var byPath = batch.ToDictionary(p => p.Path);
        var remaining = batch.ToDictionary(p => p.Path, p => p.ReferencesExceptSelf.Count(byPath.ContainsKey));
        var referrers = new Dictionary<StorePath, List<StorePath>>();
        foreach (var info in batch)
        {
            foreach (var reference in info.ReferencesExceptSelf.Where(byPath.ContainsKey))
            {
                (referrers.TryGetValue(reference, out var list) ? list : referrers[reference] = []).Add(info.Path);
            }
        }

        var ready = new Queue<StorePath>(remaining.Where(kv => kv.Value == 0).Select(kv => kv.Key));
        var order = new List<PathInfo>(batch.Count);
        while (ready.TryDequeue(out var path))
        {
            order.Add(byPath[path]);
            foreach (var referrer in referrers.GetValueOrDefault(path) ?? [])
            {
                if (--remaining[referrer] == 0)
                {
                    ready.Enqueue(referrer);
                }
            }
        }

        // A reference cycle cannot occur in a Nix store (only self-references); anything left is dropped.
        return order;
    }

    private bool Record(IReadOnlyDictionary<StorePath, PathOutcome> outcomes)
    {
        var done = new List<string>();
        var vanished = new List<string>();
        int pushed = 0;
        foreach (var (path, outcome) in outcomes)
        {
            switch (outcome.Kind)
            {
                case PathOutcomeKind.Pushed or PathOutcomeKind.Present:
                    done.Add(path.FullPath);
                    pushed += outcome.Kind == PathOutcomeKind.Pushed ? 1 : 0;
                    break;
                case PathOutcomeKind.Failed:
                    RecordFailure(path.FullPath, outcome, vanished);
                    break;
                default:
                    break;
            }
        }

        state.MarkPushed(target.Name, done);
        state.Forget(target.Name, vanished);
        metrics.Pushed(target.Name, pushed);
        metrics.Skipped(target.Name, "present", done.Count - pushed);
        metrics.Skipped(target.Name, "gc", vanished.Count);
        return done.Count > 0 || vanished.Count > 0;
    }

    private void RecordFailure(string path, PathOutcome outcome, List<string> vanished)
    {
        string error = outcome.Error ?? "unknown error";
        switch (outcome.Cause)
        {
            case FailureCause.Vanished:
                Log.Vanished(logger, path, target.Name);
                vanished.Add(path);
                break;
            case FailureCause.CacheUnavailable:
                // The whole cache is down: the round made no progress, so the scheduler backs off.
                break;
            case FailureCause.Reference:
                // It goes up once its reference does; if the reference is a dead letter, so is this.
                if (outcome.FailedReference is { } reference && state.IsDeadLetter(target.Name, reference))
                {
                    Bury(path, $"its reference {reference} is a dead letter", 0);
                }

                break;
            case FailureCause.Permanent:
                Bury(path, error, state.RecordFailure(target.Name, path, error));
                break;
            default:
                int attempts = state.RecordFailure(target.Name, path, error);
                if (attempts >= MaxAttempts)
                {
                    Bury(path, error, attempts);
                }

                break;
        }
    }

    private void Bury(string path, string reason, int attempts)
    {
        Log.DeadLetter(logger, path, target.Name, reason, attempts);
        state.Bury(target.Name, path, reason, attempts, timeProvider.GetUtcNow());
    }
}
