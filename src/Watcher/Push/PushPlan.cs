using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Push;

/// <summary>
/// What discovered paths amount to, the same whichever way they arrive (the daemon, <c>push</c>, <c>scan</c>):
/// the closure of the valid ones, references first, without what <see cref="PathFilter.Excluded"/> keeps out.
/// </summary>
/// <param name="Closure">The paths to push, references first (<see cref="ClosureOrder"/>), with their store facts.</param>
/// <param name="Invalid">Candidates that are not valid in the store.</param>
/// <param name="Excluded">Closure paths that no cache gets, each with the matching path its exclusion comes from.</param>
internal sealed record PushPlan(IReadOnlyList<PathInfo> Closure, IReadOnlyList<StorePath> Invalid, IReadOnlyDictionary<StorePath, StorePath> Excluded)
{
    /// <summary>Asks the store which candidates are valid and what their closures are, and applies the filter.</summary>
    public static async Task<PushPlan> CreateAsync(IReadOnlyCollection<StorePath> candidates, IStoreQueries store, PathFilter filter, CancellationToken cancellationToken)
    {
        var valid = candidates.Count == 0 ? new HashSet<StorePath>() : await store.QueryValidPathsAsync(candidates, cancellationToken);
        var invalid = candidates.Where(c => !valid.Contains(c)).Distinct().ToList();
        if (valid.Count == 0)
        {
            return new PushPlan([], invalid, new Dictionary<StorePath, StorePath>());
        }

        var closure = await store.QueryClosureAsync(valid, cancellationToken);
        var excluded = filter.Excluded(closure);
        return new PushPlan(excluded.Count == 0 ? closure : closure.Where(p => !excluded.ContainsKey(p.Path)).ToList(), invalid, excluded);
    }

    /// <summary>Every valid path this plan looked at, pushed or excluded.</summary>
    public IEnumerable<StorePath> Considered => Closure.Select(p => p.Path).Concat(Excluded.Keys);
}
