using Watcher.Config;
using Watcher.Nix;

namespace Watcher.Pipeline;

/// <summary>What a one-shot scan covers: the resolved roots and the closure to consider, references first.</summary>
internal sealed record ScanSet(ScanMode Mode, IReadOnlyList<StorePath> Roots, IReadOnlyList<SkippedRoot> Skipped, IReadOnlyList<PathInfo> Closure)
{
    /// <summary>The paths of <see cref="Closure"/> that <paramref name="target"/> takes (filters and upstream keys applied), references first.</summary>
    public IReadOnlyList<PathInfo> For(CacheTarget target, WatchOptions watch)
    {
        var filter = new PathFilter(watch);
        return Closure.Where(p => filter.Check(p, target) is null).ToList();
    }
}
