using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>
/// A writer's refresh of objects it relies on: each object's last-modified time is set to now
/// (<see cref="ICacheObjects.RefreshAsync"/>, a bounded number at a time), and after <see cref="GcLimits.RefreshSettle"/>
/// every refreshed object is looked at once more.
/// </summary>
/// <remarks>
/// <c>gc</c> reads an object's time again just before deleting it, but S3 has no delete conditional on that time: a
/// <c>gc</c> that read the old time just before the refresh may still delete the object. Its delete follows its read
/// within a request, so an object still there after the settling time has survived that <c>gc</c>; one that is gone is
/// reported, and the writer publishes it again instead of publishing over a hole.
/// </remarks>
internal sealed class ObjectRefresher(ICacheObjects objects, TimeProvider time)
{
    /// <summary>How many refreshes (or second looks) are in flight at once.</summary>
    public const int ParallelRefreshes = 16;

    /// <summary>Refreshes the narinfos of <paramref name="paths"/>.</summary>
    /// <returns>Missing: the paths whose narinfo is gone (or would not move); Unknown: those whose refresh failed.</returns>
    public async Task<CacheLookup> RefreshNarInfosAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        var byKey = paths.ToDictionary(p => CacheKeys.NarInfoKey(p.HashPart), StringComparer.Ordinal);
        var (gone, failed, error) = await RefreshAsync([.. byKey.Keys], cancellationToken);
        return new CacheLookup(gone.Select(k => byKey[k]).ToHashSet(), failed.Select(k => byKey[k]).ToHashSet(), error);
    }

    /// <summary>Refreshes one object; false when it is gone, would not move, or could not be refreshed.</summary>
    public async Task<bool> RefreshObjectAsync(string key, CancellationToken cancellationToken)
    {
        var (gone, failed, _) = await RefreshAsync([key], cancellationToken);
        return gone.Count == 0 && failed.Count == 0;
    }

    /// <summary>Refreshes <paramref name="keys"/>.</summary>
    /// <returns>
    /// Gone: the keys that do not exist (any more) or whose time the server would not move (the writer must write them
    /// again). Failed: those whose refresh or second look failed, with the first error.
    /// </returns>
    private async Task<(IReadOnlySet<string> Gone, IReadOnlySet<string> Failed, string? Error)> RefreshAsync(string[] keys, CancellationToken cancellationToken)
    {
        var gone = new HashSet<string>(StringComparer.Ordinal);
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var refreshed = new List<string>(keys.Length);
        string? error = null;

        // Asks present() of each key, a bounded number at a time: the present ones go to kept (when given), the
        // others to gone, those whose question failed to failed.
        async Task SortAsync(IEnumerable<string> batch, Func<string, CancellationToken, Task<bool>> present, List<string>? kept)
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = ParallelRefreshes, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(batch, options, async (key, ct) =>
            {
                try
                {
                    bool there = await present(key, ct);
                    lock (gone)
                    {
                        (there ? kept : (ICollection<string>)gone)?.Add(key);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    lock (gone)
                    {
                        failed.Add(key);
                        error ??= ex.Message;
                    }
                }
            });
        }

        await SortAsync(keys, async (key, ct) => await objects.RefreshAsync(key, ct) == RefreshOutcome.Refreshed, refreshed);
        if (refreshed.Count > 0)
        {
            await Task.Delay(GcLimits.RefreshSettle, time, cancellationToken);
            await SortAsync(refreshed, async (key, ct) => await objects.StatAsync(key, ct) is not null, kept: null);
        }

        return (gone, failed, error);
    }
}
