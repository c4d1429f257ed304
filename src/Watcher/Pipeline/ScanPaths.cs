using Watcher.Config;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Store;

namespace Watcher.Pipeline;

/// <summary>
/// Finds the store paths a scan covers (<c>watch.scan</c>): the daemon's start-up scan, and the one-shot
/// <c>scan</c> and <c>check</c> commands, all resolve the roots here.
/// </summary>
internal static class ScanPaths
{
    /// <summary>Resolves the configured roots (profiles, <c>result</c> links) to store paths; the rest land in <paramref name="skipped"/>.</summary>
    public static List<StorePath> ResolveRoots(IEnumerable<string> roots, string storeDir, ICollection<SkippedRoot> skipped)
    {
        var resolved = new List<StorePath>();
        foreach (string root in roots)
        {
            if (!Path.Exists(root))
            {
                skipped.Add(new SkippedRoot(root, "does not exist", Missing: true));
            }
            else if (!StorePaths.TryResolve(root, storeDir, out var path, out string? error))
            {
                skipped.Add(new SkippedRoot(root, error, Missing: false));
            }
            else if (!resolved.Contains(path))
            {
                resolved.Add(path);
            }
        }

        return resolved;
    }

    /// <summary>
    /// What a one-shot scan in <paramref name="mode"/> covers: nothing for <see cref="ScanMode.None"/>, the valid
    /// roots' closures for <see cref="ScanMode.Roots"/>, every valid path for <see cref="ScanMode.All"/>; filtered
    /// as every push is (<see cref="PushPlan"/>).
    /// </summary>
    public static async Task<ScanSet> QueryAsync(ScanMode mode, WatchOptions watch, IStoreQueries store, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedRoot>();
        IReadOnlyList<StorePath> candidates = mode switch
        {
            ScanMode.Roots => ResolveRoots(watch.Roots, store.StoreDir, skipped),
            ScanMode.All => await store.QueryAllValidPathsAsync(cancellationToken),
            _ => [],
        };
        var plan = await PushPlan.CreateAsync(candidates, store, new PathFilter(watch), cancellationToken);
        foreach (var invalid in plan.Invalid)
        {
            skipped.Add(new SkippedRoot(invalid.FullPath, "is not a valid store path", Missing: false));
        }

        var roots = mode == ScanMode.Roots ? candidates.Except(plan.Invalid).ToList() : [];
        return new ScanSet(mode, roots, skipped, plan);
    }
}
