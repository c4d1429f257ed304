namespace Watcher.Cli;

/// <summary>What <c>push</c> and <c>scan</c> print at the end (<c>--json</c> prints this record).</summary>
/// <param name="Caches">One entry per cache, in the configuration's order.</param>
internal sealed record PushSummary(IReadOnlyList<CachePushSummary> Caches)
{
    /// <summary>(path, cache) pairs that did not end in the cache: the command fails unless this is 0.</summary>
    public int Failed => Caches.Sum(c => c.Failed);
}
