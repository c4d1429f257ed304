using Watcher.Config;
using Watcher.Nix;

namespace Watcher.Push;

/// <summary>
/// The configured filters, the same for the daemon, <c>push</c> and <c>scan</c>: <c>skip-derivations</c> and
/// <c>exclude</c> keep a path out of every cache (<see cref="Excluded"/>), <c>skip-signed-by</c> and a cache's
/// upstream keys out of one cache (<see cref="IsUpstream"/>).
/// </summary>
/// <remarks>
/// An excluded path is never pushed, and neither is any path that refers to it, directly or through other
/// paths: a cache must never serve a narinfo whose closure it cannot complete. An upstream path is different:
/// its referrers are pushed, because the upstream cache serves it.
/// </remarks>
internal sealed class PathFilter(WatchOptions watch)
{
    /// <summary>Whether <paramref name="path"/> is a derivation that <c>skip-derivations</c> keeps out of every cache.</summary>
    public bool SkipsDerivation(StorePath path) => watch.SkipDerivations && path.IsDerivation;

    /// <summary>Whether <paramref name="path"/> itself matches <c>skip-derivations</c> or an <c>exclude</c> pattern.</summary>
    public bool MatchesExclude(StorePath path) => SkipsDerivation(path) || watch.Exclude.Any(regex => regex.IsMatch(path.Name));

    /// <summary>
    /// The paths of <paramref name="closure"/> (references first) that no cache gets: those that match, and those
    /// that refer to one that is excluded. Each maps to the matching path its exclusion comes from (itself if it matches).
    /// </summary>
    public Dictionary<StorePath, StorePath> Excluded(IReadOnlyList<PathInfo> closure)
    {
        var excluded = new Dictionary<StorePath, StorePath>();
        foreach (var info in closure)
        {
            if (MatchesExclude(info.Path))
            {
                excluded[info.Path] = info.Path;
                continue;
            }

            foreach (var reference in info.ReferencesExceptSelf)
            {
                // A reference outside the list is checked by name alone.
                if ((excluded.GetValueOrDefault(reference) ?? (MatchesExclude(reference) ? reference : null)) is { } cause)
                {
                    excluded[info.Path] = cause;
                    break;
                }
            }
        }

        return excluded;
    }

    /// <summary>Why <paramref name="path"/> is excluded: it matches the filters itself, or refers to <paramref name="cause"/>, which does.</summary>
    public static string Because(StorePath path, StorePath cause) => path == cause
        ? "it matches exclude or skip-derivations"
        : $"it refers to {cause}, which matches exclude or skip-derivations";

    /// <summary>Whether <paramref name="info"/> is signed by one of <paramref name="upstreamKeys"/>, so one cache does not get it.</summary>
    public static bool IsUpstream(PathInfo info, IEnumerable<string> upstreamKeys) => info.IsSignedByAny(upstreamKeys);
}
