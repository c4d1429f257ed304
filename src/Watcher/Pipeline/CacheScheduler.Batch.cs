using Watcher.Core;
using Watcher.Nix;
using Watcher.Push;
using Watcher.State;

namespace Watcher.Pipeline;

/// <content>What one round pushes: the journaled facts, the pending references they need, and what must wait.</content>
internal sealed partial class CacheScheduler
{
    /// <summary>
    /// Takes out of the round every path with a reference outside it that is not in the cache yet: one still pending
    /// beyond the round's limit (it waits for a later round), or a dead letter (it is one too). Then
    /// <see cref="PushSession"/> may take every reference it is not given as in the cache already.
    /// </summary>
    private (List<PathInfo> Pushable, bool Buried) WithoutBlocked(List<PathInfo> ordered)
    {
        var inRound = ordered.Select(p => p.Path).ToHashSet();
        var outside = ordered.SelectMany(p => p.ReferencesExceptSelf).Where(r => !inRound.Contains(r)).ToHashSet();
        if (outside.Count == 0)
        {
            return (ordered, false);
        }

        var waiting = state.PendingAmong(target.Name, outside).Select(p => p.Path).ToHashSet();
        var dead = state.FilterDeadLetters(target.Name, outside).ToHashSet();
        if (waiting.Count == 0 && dead.Count == 0)
        {
            return (ordered, false);
        }

        var pushable = new List<PathInfo>(ordered.Count);
        bool buried = false;
        foreach (var info in ordered)
        {
            if (info.ReferencesExceptSelf.FirstOrDefault(dead.Contains) is { } deadReference)
            {
                Bury(info.Path, $"its reference {deadReference} is a dead letter", 0);
                dead.Add(info.Path);
                buried = true;
            }
            else if (info.ReferencesExceptSelf.Any(waiting.Contains))
            {
                waiting.Add(info.Path);
            }
            else
            {
                pushable.Add(info);
            }
        }

        return (pushable, buried);
    }

    /// <summary>
    /// The references outside the round that its paths will be published over and that the journal has not confirmed in
    /// the cache within <see cref="GcLimits.TrustConfirmedFor"/>, with their store facts: <see cref="PushSession"/> asks
    /// the cache about them in the round's one question, refreshes the aged ones, and holds back the referrers of one that
    /// is gone (a <c>gc</c>, or a wipe, removed it) instead of publishing over a hole.
    /// </summary>
    private async Task<List<PathInfo>> ReliedAsync(List<PathInfo> ordered, CancellationToken cancellationToken)
    {
        var inRound = ordered.Select(p => p.Path).ToHashSet();
        var outside = ordered.SelectMany(p => p.ReferencesExceptSelf).Where(r => !inRound.Contains(r)).ToHashSet();
        if (outside.Count == 0)
        {
            return [];
        }

        var trusted = state.ConfirmedSince(target.Name, outside, timeProvider.GetUtcNow() - GcLimits.TrustConfirmedFor);
        var toAsk = outside.Where(r => !trusted.Contains(r)).ToList();
        if (toAsk.Count == 0)
        {
            return [];
        }

        // A reference the store no longer has means its referrer is gone too (the store keeps closures whole): the
        // referrer's upload finds that out.
        var infos = await store.QueryPathInfosAsync(toAsk, cancellationToken);
        return [.. infos.OfType<PathInfo>()];
    }

    /// <summary>
    /// The journaled facts of <paramref name="pending"/> plus every pending reference they need, transitively. Rows
    /// without facts (journaled before facts were, or requeued dead letters) ask the store once and keep its answer.
    /// </summary>
    private async Task<(Dictionary<StorePath, PathInfo> Infos, List<StorePath> Vanished)> LoadBatchAsync(IReadOnlyList<PendingPath> pending, CancellationToken cancellationToken)
    {
        var infos = new Dictionary<StorePath, PathInfo>();
        var vanished = new List<StorePath>();
        var level = pending;
        while (level.Count > 0 && infos.Count < RoundSize * 16)
        {
            var added = new List<PathInfo>(level.Count);
            var unknown = new List<StorePath>();
            foreach (var row in level)
            {
                if (row.Info is { } info)
                {
                    added.Add(info);
                }
                else
                {
                    unknown.Add(row.Path);
                }
            }

            if (unknown.Count > 0)
            {
                var fetched = await store.QueryPathInfosAsync(unknown, cancellationToken);
                for (int i = 0; i < unknown.Count; i++)
                {
                    if (fetched[i] is { } info)
                    {
                        state.UpdatePending(target.Name, info);
                        added.Add(info);
                    }
                    else
                    {
                        vanished.Add(unknown[i]);
                    }
                }
            }

            foreach (var info in added)
            {
                infos[info.Path] = info;
            }

            var referenced = added.SelectMany(i => i.ReferencesExceptSelf).Where(r => !infos.ContainsKey(r)).ToHashSet();
            referenced.ExceptWith(vanished);
            level = referenced.Count == 0 ? [] : state.PendingAmong(target.Name, referenced);
        }

        return (infos, vanished);
    }
}
