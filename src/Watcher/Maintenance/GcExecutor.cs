using Watcher.Caches;
using Watcher.Core;

namespace Watcher.Maintenance;

/// <summary>
/// Carries out a <see cref="GcPlan"/>: the dead narinfos first, level by level (referrers before references), then
/// the NAR objects that no narinfo names any more. Just before each delete the object's last-modified time is read
/// again; an object that moved (a writer refreshed or rewrote it) stays, and so does the closure of a narinfo that
/// stays. Before the NARs go, the narinfos are listed again, so a narinfo published since the first listing keeps its NAR.
/// </summary>
internal sealed class GcExecutor(ICacheObjects objects, CacheScanner scanner)
{
    /// <summary>How many deletes are in flight at once.</summary>
    public const int ParallelDeletes = 16;

    /// <summary>Deletes what <paramref name="plan"/> says is dead and still unchanged.</summary>
    /// <param name="index">The listing the plan was made from.</param>
    /// <param name="plan">What to delete.</param>
    /// <param name="result">Receives what was deleted as it goes, so a run that fails halfway still reports (and journals) its deletes.</param>
    /// <param name="cancellationToken">Stops the run; what is deleted stays deleted, and every remaining closure is whole.</param>
    public async Task ExecuteAsync(CacheIndex index, GcPlan plan, GcResult result, CancellationToken cancellationToken)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var level in plan.DeadNarInfoLevels)
        {
            await Parallel.ForEachAsync(level, Options(cancellationToken), async (entry, ct) =>
            {
                lock (result)
                {
                    if (kept.Contains(entry.HashPart))
                    {
                        return;
                    }
                }

                var outcome = await DeleteIfUnchangedAsync(entry.Object, ct);
                lock (result)
                {
                    switch (outcome)
                    {
                        case true:
                            deleted.Add(entry.HashPart);
                            result.DeletedNarInfos++;
                            result.DeletedNarInfoBytes += entry.Object.Size;
                            if (entry.Info is not null)
                            {
                                result.DeletedPaths.Add(entry.Info.StorePath.FullPath);
                            }

                            break;
                        case false:
                            result.KeptChanged++;
                            Keep(index, entry.HashPart, kept);
                            break;
                        default:
                            deleted.Add(entry.HashPart);
                            break;
                    }
                }
            });
        }

        var named = await NamedNarsAsync(index, deleted, cancellationToken);
        var nars = plan.DeadNars.Where(n => !named.Contains(n.Key)).ToList();
        await Parallel.ForEachAsync(nars, Options(cancellationToken), async (nar, ct) =>
        {
            bool? outcome = await DeleteIfUnchangedAsync(nar, ct);
            lock (result)
            {
                if (outcome == true)
                {
                    result.DeletedNars++;
                    result.DeletedNarBytes += nar.Size;
                }
                else if (outcome == false)
                {
                    result.KeptChanged++;
                }
            }
        });
    }

    /// <summary>Deletes <paramref name="planned"/> if it is still as listed.</summary>
    /// <returns>True when deleted, false when it changed (and stays), null when it was gone already.</returns>
    private async Task<bool?> DeleteIfUnchangedAsync(CacheObject planned, CancellationToken cancellationToken)
    {
        var now = await objects.StatAsync(planned.Key, cancellationToken);
        if (now is null)
        {
            return null;
        }

        if (now.LastModified != planned.LastModified || now.Size != planned.Size)
        {
            return false;
        }

        await objects.DeleteAsync(planned.Key, cancellationToken);
        return true;
    }

    /// <summary>The NAR keys named by a narinfo that is still there: every one not deleted, and any published since the listing.</summary>
    private async Task<HashSet<string>> NamedNarsAsync(CacheIndex index, HashSet<string> deleted, CancellationToken cancellationToken)
    {
        var named = new HashSet<string>(
            index.NarInfos.Values.Where(e => !deleted.Contains(e.HashPart) && e.Info is not null).Select(e => e.Info!.Url),
            StringComparer.Ordinal);
        var fresh = new List<NarInfoEntry>();
        await foreach (var entry in objects.ListAsync(cancellationToken))
        {
            if (CacheKeys.NarInfoHash(entry.Key) is { } hash && (!index.NarInfos.TryGetValue(hash, out var known) || known.Object.LastModified != entry.LastModified))
            {
                fresh.Add(new NarInfoEntry(hash, entry, null));
            }
        }

        await Parallel.ForEachAsync(fresh, new ParallelOptions { MaxDegreeOfParallelism = CacheScanner.ParallelReads, CancellationToken = cancellationToken }, async (entry, ct) =>
        {
            var (info, _) = await scanner.ReadAsync(entry, ct);
            if (info is not null)
            {
                lock (named)
                {
                    named.Add(info.Url);
                }
            }
        });
        return named;
    }

    /// <summary>Marks <paramref name="hash"/> and its closure as staying.</summary>
    private static void Keep(CacheIndex index, string hash, HashSet<string> kept)
    {
        var stack = new Stack<string>([hash]);
        while (stack.TryPop(out string? next))
        {
            if (kept.Add(next) && index.NarInfos.TryGetValue(next, out var entry))
            {
                foreach (string reference in entry.ReferenceHashes)
                {
                    stack.Push(reference);
                }
            }
        }
    }

    private static ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = ParallelDeletes, CancellationToken = cancellationToken };
}
