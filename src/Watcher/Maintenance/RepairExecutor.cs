using Watcher.Caches;
using Watcher.Nix;
using Watcher.Push;

namespace Watcher.Maintenance;

/// <summary>
/// Carries out a <see cref="RepairPlan"/>: deletes damaged NAR objects, removes the narinfos that cannot be repaired
/// (referrers first), then pushes the rest again from the local store.
/// </summary>
/// <param name="objects">The cache's objects.</param>
/// <param name="push">Pushes closures again (<see cref="RepairPush"/>, which applies <c>exclude</c>): the roots, and the paths to push although a narinfo exists.</param>
internal sealed class RepairExecutor(
    ICacheObjects objects,
    Func<IReadOnlyList<StorePath>, IReadOnlySet<StorePath>, CancellationToken, Task<RepairPushResult>> push)
{
    /// <summary>The store paths whose narinfos were removed, for the journal.</summary>
    public List<string> Removed { get; } = [];

    /// <summary>The store paths written again.</summary>
    public List<string> Pushed { get; } = [];

    public async Task<List<RepairAction>> ExecuteAsync(RepairPlan plan, Action<RepairAction> report, CancellationToken cancellationToken)
    {
        var actions = new List<RepairAction>();
        void Record(RepairAction action)
        {
            actions.Add(action);
            report(action);
        }

        foreach (string nar in plan.DamagedNars)
        {
            await objects.DeleteAsync(nar, cancellationToken);
            Record(new RepairAction("delete-nar", null, nar, "its bytes do not match the narinfo"));
        }

        foreach (var level in plan.PruneLevels)
        {
            foreach (var entry in level)
            {
                await objects.DeleteAsync(entry.Key, cancellationToken);
                string? path = entry.Info?.StorePath.FullPath;
                if (path is not null)
                {
                    Removed.Add(path);
                }

                Record(new RepairAction("remove-narinfo", path, entry.Key, plan.PruneReasons[entry.HashPart]));
            }
        }

        if (plan.Repush.Count > 0)
        {
            var result = await push(plan.Repush, plan.Overwrite, cancellationToken);
            foreach (var (path, cause) in result.Excluded.OrderBy(e => e.Key.FullPath, StringComparer.Ordinal))
            {
                Record(new RepairAction("excluded", path.FullPath, CacheKeys.NarInfoKey(path.HashPart), $"not pushed: {PathFilter.Because(path, cause)}"));
            }

            foreach (var (path, outcome) in result.Outcomes.OrderBy(o => o.Key.FullPath, StringComparer.Ordinal))
            {
                string key = CacheKeys.NarInfoKey(path.HashPart);
                if (outcome.Kind == PathOutcomeKind.Pushed)
                {
                    Pushed.Add(path.FullPath);
                    Record(new RepairAction("push", path.FullPath, key, plan.Overwrite.Contains(path) ? "pushed again from the local store" : "was missing; pushed from the local store"));
                }
                else if (outcome.Kind == PathOutcomeKind.Failed)
                {
                    Record(new RepairAction("push-failed", path.FullPath, key, outcome.Error ?? "failed"));
                }
            }
        }

        return actions;
    }
}
