using Watcher.Config;
using Watcher.Nix;

namespace Watcher.Pipeline;

/// <summary>Why a path is not pushed to a cache (a metrics label).</summary>
internal enum SkipReason
{
    Present,
    Upstream,
    Excluded,
    Invalid,
    Gc,
}

/// <summary>The configured filters: <c>skip-derivations</c>, <c>exclude</c> and per-cache <c>skip-signed-by</c>.</summary>
internal sealed class PathFilter(WatchOptions watch)
{
    /// <summary>Whether <paramref name="path"/> is a derivation that <c>skip-derivations</c> keeps out of every cache.</summary>
    public bool SkipsDerivation(StorePath path) => watch.SkipDerivations && path.IsDerivation;

    /// <summary>Returns why <paramref name="info"/> is not pushed to <paramref name="target"/>, or null to push it.</summary>
    public SkipReason? Check(PathInfo info, CacheTarget target)
    {
        if (SkipsDerivation(info.Path))
        {
            return SkipReason.Excluded;
        }

        foreach (var regex in watch.Exclude)
        {
            if (regex.IsMatch(info.Path.Name))
            {
                return SkipReason.Excluded;
            }
        }

        if (info.IsSignedByAny(target.Options.SkipSignedBy.Concat(target.Cache.UpstreamKeyNames)))
        {
            return SkipReason.Upstream;
        }

        return null;
    }
}
