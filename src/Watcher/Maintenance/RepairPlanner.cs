using Watcher.Caches;
using Watcher.Nix;

namespace Watcher.Maintenance;

/// <summary>
/// Turns <c>verify</c>'s problems into a <see cref="RepairPlan"/>. A damaged or incomplete path that is valid in the
/// local store is pushed again; one that is not is removed together with every narinfo that refers to it,
/// transitively, so Nix never meets a broken closure.
/// </summary>
internal static class RepairPlanner
{
    /// <param name="index">The listed cache.</param>
    /// <param name="problems">What verify found.</param>
    /// <param name="localByHash">The valid local store path for a narinfo's hash part, or null when the local store lacks it.</param>
    /// <param name="localValid">The subset of the given store paths that is valid locally.</param>
    public static RepairPlan Plan(
        CacheIndex index,
        IReadOnlyCollection<CacheProblem> problems,
        IReadOnlyDictionary<string, StorePath?> localByHash,
        IReadOnlySet<StorePath> localValid)
    {
        var damagedNars = problems.Where(p => p.Kind is ProblemKind.NarSize or ProblemKind.FileHash or ProblemKind.NarCorrupt)
            .Select(p => p.Object).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var repush = new HashSet<StorePath>();
        var overwrite = new HashSet<StorePath>();
        var prune = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var problem in problems)
        {
            if (problem.Kind == ProblemKind.ReferenceMissing)
            {
                var reference = index.NarInfos[problem.HashPart].Info!.References.First(r => CacheKeys.NarInfoKey(r.HashPart) == problem.Object);
                if (localValid.Contains(reference))
                {
                    repush.Add(reference);
                }
                else
                {
                    prune.TryAdd(problem.HashPart, $"its reference {reference.FullPath} is missing and not in the local store");
                }

                continue;
            }

            if (localByHash.GetValueOrDefault(problem.HashPart) is { } local)
            {
                repush.Add(local);
                overwrite.Add(local);
            }
            else
            {
                prune.TryAdd(problem.HashPart, $"{ProblemKinds.Name(problem.Kind)} and not in the local store");
            }
        }

        // Whatever refers to a pruned narinfo goes too, transitively.
        var referrers = index.Referrers();
        var stack = new Stack<string>(prune.Keys);
        while (stack.TryPop(out string? hash))
        {
            foreach (string referrer in referrers.GetValueOrDefault(hash) ?? [])
            {
                if (prune.TryAdd(referrer, $"refers to {StoreNameOf(index, hash)}, which is removed"))
                {
                    stack.Push(referrer);
                }
            }
        }

        // A path being pruned is not pushed (its referrers could not be whole anyway).
        repush.RemoveWhere(p => prune.ContainsKey(p.HashPart));
        overwrite.RemoveWhere(p => prune.ContainsKey(p.HashPart));
        return new RepairPlan(damagedNars, GcPlanner.ReferrersFirst(prune.Keys.Where(index.NarInfos.ContainsKey).Select(h => index.NarInfos[h])), prune, [.. repush.OrderBy(p => p.FullPath, StringComparer.Ordinal)], overwrite);
    }

    private static string StoreNameOf(CacheIndex index, string hash) =>
        index.NarInfos.TryGetValue(hash, out var entry) && entry.Info is not null ? entry.Info.StorePath.FullPath : CacheKeys.NarInfoKey(hash);
}
