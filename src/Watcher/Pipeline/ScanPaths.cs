using Watcher.Config;
using Watcher.Nix;
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
    /// The closure a one-shot scan in <paramref name="mode"/> considers: nothing for <see cref="ScanMode.None"/>,
    /// the valid roots' closures for <see cref="ScanMode.Roots"/>, every valid path for <see cref="ScanMode.All"/>.
    /// </summary>
    public static async Task<ScanSet> QueryAsync(ScanMode mode, WatchOptions watch, NixDaemonClient daemon, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedRoot>();
        switch (mode)
        {
            case ScanMode.Roots:
                var roots = ResolveRoots(watch.Roots, daemon.StoreDir, skipped);
                var valid = await daemon.QueryValidPathsAsync(roots, cancellationToken);
                foreach (var invalid in roots.Where(r => !valid.Contains(r)))
                {
                    skipped.Add(new SkippedRoot(invalid.FullPath, "is not a valid store path", Missing: false));
                }

                var validRoots = roots.Where(valid.Contains).ToList();
                var closure = validRoots.Count == 0 ? [] : await daemon.QueryClosureAsync(validRoots, cancellationToken);
                return new ScanSet(mode, validRoots, skipped, closure);
            case ScanMode.All:
                var all = await daemon.QueryAllValidPathsAsync(cancellationToken);
                return new ScanSet(mode, [], skipped, all.Count == 0 ? [] : await daemon.QueryClosureAsync(all, cancellationToken));
            default:
                return new ScanSet(mode, [], skipped, []);
        }
    }
}
