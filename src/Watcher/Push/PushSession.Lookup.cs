using Watcher.Caches;
using Watcher.Nix;

namespace Watcher.Push;

/// <content>The one question to the cache, and the refresh of what it has with an aged narinfo.</content>
internal sealed partial class PushSession
{
    /// <summary>One question to the cache; if it cannot be asked at all, every path is unknown (and stays to do).</summary>
    private async Task<CacheLookup> LookupAsync(List<StorePath> paths, CancellationToken cancellationToken)
    {
        if (paths.Count == 0)
        {
            return CacheLookup.Exactly(new HashSet<StorePath>());
        }

        try
        {
            var lookup = await _cache.LookupAsync(paths, cancellationToken);
            if (lookup.Unknown.Count > 0)
            {
                Log.LookupIncomplete(_logger, _cache.Name, lookup.Unknown.Count, paths.Count, lookup.Error ?? "no answer");
            }

            return lookup;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.LookupIncomplete(_logger, _cache.Name, paths.Count, paths.Count, ex.Message);
            return CacheLookup.Failed(paths, ex.Message);
        }
    }

    /// <summary>
    /// Refreshes the paths the cache has whose narinfos are aged: this push relies on them (it skips them, or publishes
    /// what refers to them). One found gone is missing after all (pushed, or for a reference outside the push, reported
    /// missing); one whose refresh failed is unknown (it stays to do, and so do its referrers).
    /// </summary>
    private async Task<CacheLookup> RefreshAgedAsync(CacheLookup lookup, CancellationToken cancellationToken)
    {
        if (lookup.Aged.Count == 0)
        {
            return lookup;
        }

        CacheLookup refreshed;
        try
        {
            refreshed = await _cache.RefreshAsync(lookup.Aged, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            refreshed = CacheLookup.Failed(lookup.Aged, ex.Message);
        }

        Log.Refreshed(_logger, _cache.Name, lookup.Aged.Count - refreshed.Missing.Count - refreshed.Unknown.Count, refreshed.Missing.Count);
        if (refreshed.Unknown.Count > 0)
        {
            Log.LookupIncomplete(_logger, _cache.Name, refreshed.Unknown.Count, lookup.Aged.Count, refreshed.Error ?? "no answer");
        }

        return new CacheLookup(
            lookup.Missing.Union(refreshed.Missing).ToHashSet(),
            lookup.Unknown.Union(refreshed.Unknown).ToHashSet(),
            lookup.Error ?? refreshed.Error);
    }
}
