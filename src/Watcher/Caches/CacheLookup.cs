using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>A cache's answer to "which of these do you lack?": the rest of the paths asked about it has.</summary>
/// <param name="Missing">Paths the cache said it does not have.</param>
/// <param name="Unknown">Paths whose lookup failed: neither pushed nor taken as present; asked again later.</param>
/// <param name="Error">Why the first unknown path's lookup failed.</param>
internal sealed record CacheLookup(IReadOnlySet<StorePath> Missing, IReadOnlySet<StorePath> Unknown, string? Error = null)
{
    /// <summary>
    /// Paths the cache has whose narinfo is older than <see cref="GcLimits.RefreshAfter"/>: whoever relies on
    /// them refreshes them (<see cref="IBinaryCache.RefreshAsync"/>) so that <c>gc</c> sees them in use. Empty for caches
    /// that keep their own retention.
    /// </summary>
    public IReadOnlySet<StorePath> Aged { get; init; } = new HashSet<StorePath>();

    /// <summary>A complete answer: the cache lacks exactly <paramref name="missing"/>.</summary>
    public static CacheLookup Exactly(IReadOnlySet<StorePath> missing) => new(missing, new HashSet<StorePath>());

    /// <summary>No answer for any of <paramref name="paths"/>.</summary>
    public static CacheLookup Failed(IEnumerable<StorePath> paths, string error) => new(new HashSet<StorePath>(), paths.ToHashSet(), error);
}
