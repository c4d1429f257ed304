using System.Text;
using Watcher.Caches;
using Watcher.Nix;

namespace Watcher.Maintenance;

/// <summary>Lists a cache and reads its narinfos, a bounded number at a time, into a <see cref="CacheIndex"/>.</summary>
internal sealed class CacheScanner(ICacheObjects objects, string storeDir, IStepProgress? progress)
{
    /// <summary>How many narinfos are read at once.</summary>
    public const int ParallelReads = 16;

    /// <summary>A narinfo is a few hundred bytes; anything this large is not one.</summary>
    private const int MaxNarInfoBytes = 1 << 20;

    /// <summary>Lists the cache and parses every narinfo; <paramref name="problems"/> receives the unreadable ones.</summary>
    public async Task<CacheIndex> ScanAsync(List<CacheProblem> problems, CancellationToken cancellationToken)
    {
        var index = new CacheIndex();
        string listing = objects.Name + ": listing objects";
        await foreach (var entry in objects.ListAsync(cancellationToken))
        {
            index.AddListed(entry);
            progress?.Report(listing, index.Listed, null);
        }

        progress?.Finished(listing);
        string reading = objects.Name + ": reading narinfos";

        var keys = index.NarInfos.Values.ToList();
        int read = 0;
        await Parallel.ForEachAsync(
            keys,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var (info, problem) = await ReadAsync(entry, ct);
                lock (index)
                {
                    if (info is null && problem is null)
                    {
                        // Deleted since it was listed (another gc, a repair): it is not part of the cache any more.
                        index.NarInfos.Remove(entry.HashPart);
                    }
                    else
                    {
                        index.NarInfos[entry.HashPart] = entry with { Info = info };
                        if (problem is not null)
                        {
                            problems.Add(problem);
                        }
                    }

                    read++;
                }

                progress?.Report(reading, read, keys.Count);
            });
        progress?.Finished(reading);
        return index;
    }

    /// <summary>Reads and parses one narinfo (for the new ones a later listing finds).</summary>
    /// <returns>The narinfo, or a problem, or neither when the object no longer exists.</returns>
    public async Task<(NarInfo? Info, CacheProblem? Problem)> ReadAsync(NarInfoEntry entry, CancellationToken cancellationToken)
    {
        string text;
        await using (var stream = await objects.OpenReadAsync(entry.Key, cancellationToken))
        {
            if (stream is null)
            {
                return (null, null);
            }

            var buffer = new byte[Math.Min(MaxNarInfoBytes, Math.Max(entry.Object.Size, 0) + 1)];
            int total = 0;
            int n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
            {
                total += n;
            }

            if (total == buffer.Length && await stream.ReadAsync(new byte[1], cancellationToken) > 0)
            {
                // Larger than listed (rewritten since) or larger than any narinfo: read what is there now, up to the limit.
                return total >= MaxNarInfoBytes
                    ? (null, Problem(ProblemKind.Unparseable, entry, null, $"larger than {MaxNarInfoBytes} bytes: not a narinfo"))
                    : await ReadAsync(entry with { Object = entry.Object with { Size = MaxNarInfoBytes - 1 } }, cancellationToken);
            }

            text = Encoding.UTF8.GetString(buffer, 0, total);
        }

        NarInfo info;
        try
        {
            info = NarInfo.Parse(text, storeDir);
        }
        catch (FormatException ex)
        {
            return (null, Problem(ProblemKind.Unparseable, entry, null, ex.Message));
        }

        if (info.StorePath.HashPart != entry.HashPart)
        {
            // Its contents describe another path: for this key it is as good as unreadable.
            return (null, Problem(ProblemKind.WrongPath, entry, null, $"holds the narinfo of {info.StorePath.FullPath}"));
        }

        return (info, null);
    }

    private static CacheProblem Problem(ProblemKind kind, NarInfoEntry entry, string? storePath, string detail) =>
        new(kind, entry.HashPart, storePath, entry.Key, detail);
}
