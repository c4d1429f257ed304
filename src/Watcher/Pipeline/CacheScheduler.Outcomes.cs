using Watcher.Core;
using Watcher.Nix;
using Watcher.Push;

namespace Watcher.Pipeline;

/// <content>Recording a round's outcomes in the journal.</content>
internal sealed partial class CacheScheduler
{
    private async Task<bool> RecordAsync(Dictionary<StorePath, PathOutcome> outcomes, Dictionary<StorePath, PathInfo> infos, CancellationToken cancellationToken)
    {
        var done = new List<StorePath>();
        var upstream = new List<StorePath>();
        var vanished = new List<StorePath>();
        int pushed = 0;
        bool changed = false;
        // Failures of references first, so that a referrer sees whether its reference became a dead letter.
        foreach (var (path, outcome) in outcomes.OrderBy(o => o.Value.Reason == FailureReason.Reference))
        {
            switch (outcome.Kind)
            {
                case PathOutcomeKind.Pushed:
                    done.Add(path);
                    pushed++;
                    break;
                case PathOutcomeKind.Present:
                    done.Add(path);
                    break;
                case PathOutcomeKind.Upstream:
                    upstream.Add(path);
                    break;
                case PathOutcomeKind.Failed when outcome.Reason == FailureReason.Vanished:
                    vanished.Add(path);
                    break;
                case PathOutcomeKind.Failed:
                    changed |= await RecordFailureAsync(infos[path], outcome, cancellationToken);
                    break;
                default:
                    break;
            }
        }

        state.MarkPushed(target.Name, done, timeProvider.GetUtcNow());
        metrics.Pushed(target.Name, pushed);
        metrics.Skipped(target.Name, SkipReason.Present, done.Count - pushed);
        Forget(upstream, SkipReason.Upstream);
        Forget(vanished, SkipReason.Gc);
        return changed || done.Count > 0 || upstream.Count > 0 || vanished.Count > 0;
    }

    /// <summary>
    /// Records what the cache said about the references the round relied on, and takes them out of
    /// <paramref name="outcomes"/>: those it has are confirmed now; those it lacks are journaled again, to go up before
    /// their referrers (which stayed pending). Returns whether the journal changed.
    /// </summary>
    private bool RecordRelied(List<PathInfo> relied, Dictionary<StorePath, PathOutcome> outcomes)
    {
        var confirmed = new List<StorePath>();
        var missing = new List<PathInfo>();
        foreach (var info in relied)
        {
            if (!outcomes.Remove(info.Path, out var outcome))
            {
                continue;
            }

            if (outcome.Kind == PathOutcomeKind.Present)
            {
                confirmed.Add(info.Path);
            }
            else if (outcome.Kind == PathOutcomeKind.Missing)
            {
                missing.Add(info);
            }
        }

        var now = timeProvider.GetUtcNow();
        state.MarkPushed(target.Name, confirmed, now);
        if (missing.Count == 0)
        {
            return false;
        }

        foreach (var info in missing)
        {
            Log.ReferenceGone(logger, info.Path.FullPath, target.Name);
        }

        state.ForgetPushed(target.Name, missing.Select(i => i.Path.FullPath));
        state.Enqueue(target.Name, ClosureOrder.Sort(missing), now);
        return true;
    }

    /// <summary>Acts on a failure the request policy could not cure; returns whether the journal changed.</summary>
    private async Task<bool> RecordFailureAsync(PathInfo info, PathOutcome outcome, CancellationToken cancellationToken)
    {
        string error = outcome.Error ?? "unknown error";
        switch (outcome.Reason)
        {
            case FailureReason.Paused:
                // The whole cache is paused: the path waits, and the scheduler waits for the pause to end.
                return false;
            case FailureReason.Reference:
                // It goes up once its reference does; if the reference is a dead letter, so is this.
                if (outcome.FailedReference is { } reference && state.IsDeadLetter(target.Name, reference))
                {
                    Bury(info.Path, $"its reference {reference} is a dead letter", 0);
                    return true;
                }

                return false;
            case FailureReason.Mismatch when await store.QueryPathInfosAsync([info.Path], cancellationToken) is [{ } current]
                && (current.NarSize != info.NarSize || !current.NarHash.AsSpan().SequenceEqual(info.NarHash)):
                // The path was collected and built again with other bytes since it was journaled: push the new build.
                Log.Rebuilt(logger, info.Path.FullPath, target.Name);
                state.UpdatePending(target.Name, current);
                return true;
            default:
                Bury(info.Path, error, outcome.Attempts);
                return true;
        }
    }

    private void Forget(List<StorePath> paths, SkipReason reason)
    {
        if (paths.Count == 0)
        {
            return;
        }

        if (reason == SkipReason.Gc)
        {
            foreach (var path in paths)
            {
                Log.Vanished(logger, path.FullPath, target.Name);
            }
        }

        state.Forget(target.Name, paths);
        metrics.Skipped(target.Name, reason, paths.Count);
    }

    private void Bury(StorePath path, string reason, int attempts)
    {
        Log.DeadLetter(logger, path.FullPath, target.Name, reason, attempts);
        state.Bury(target.Name, path, reason, attempts, timeProvider.GetUtcNow());
    }
}
