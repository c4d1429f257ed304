using Watcher.Caches;
using Watcher.Caches.Zstd;
using Watcher.Nix;
using ZstdSharp;

namespace Watcher.Maintenance;

/// <summary>
/// <c>verify --deep</c>: downloads each NAR object and checks its FileHash, then decompresses it and checks NarHash
/// and NarSize. Memory stays flat (the NAR streams through); a few NARs are checked at once.
/// </summary>
internal sealed class DeepChecker(ICacheObjects objects, IStepProgress? progress)
{
    /// <summary>How many NARs are downloaded at once.</summary>
    public const int ParallelDownloads = 4;

    /// <summary>NARs whose compression the check cannot read (xz, bzip2 from other pushers); they are counted, not failed.</summary>
    public int Skipped { get; private set; }

    /// <summary>Checks the NAR of every narinfo in <paramref name="entries"/>.</summary>
    public async Task<List<CacheProblem>> CheckAsync(IReadOnlyCollection<NarInfoEntry> entries, CancellationToken cancellationToken)
    {
        var problems = new List<CacheProblem>();
        string step = objects.Name + ": checking NARs";
        int done = 0;
        await Parallel.ForEachAsync(
            entries,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelDownloads, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var problem = await CheckOneAsync(entry, ct);
                lock (problems)
                {
                    if (problem is not null)
                    {
                        problems.Add(problem);
                    }

                    done++;
                }

                progress?.Report(step, done, entries.Count);
            });
        progress?.Finished(step);
        return problems;
    }

    private async Task<CacheProblem?> CheckOneAsync(NarInfoEntry entry, CancellationToken cancellationToken)
    {
        var info = entry.Info!;
        if (info.Compression is not (NarCompression.Zstd or NarCompression.None))
        {
            lock (this)
            {
                Skipped++;
            }

            return null;
        }

        await using var stream = await objects.OpenReadAsync(info.Url, cancellationToken);
        if (stream is null)
        {
            return Problem(ProblemKind.NarMissing, entry, "the NAR object does not exist");
        }

        await using var file = new HashingReadStream(stream);
        await using var nar = new HashingReadStream(info.Compression == NarCompression.Zstd ? new DecompressionStream(file, leaveOpen: true) : file);
        var buffer = new byte[1 << 16];
        try
        {
            while (await nar.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is ZstdException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return Problem(ProblemKind.NarCorrupt, entry, $"cannot be decompressed ({info.Compression}): {ex.Message}");
        }

        if (info.FileSize is { } size && file.BytesRead != size)
        {
            return Problem(ProblemKind.NarSize, entry, $"the NAR object has {file.BytesRead} bytes, the narinfo says FileSize {size}");
        }

        if (info.FileHash is { } fileHash && !fileHash.AsSpan().SequenceEqual(file.GetHash()))
        {
            return Problem(ProblemKind.FileHash, entry, "the NAR object's SHA-256 differs from FileHash");
        }

        byte[] narHash = nar.GetHash();
        if (nar.BytesRead != info.NarSize || !narHash.AsSpan().SequenceEqual(info.NarHash))
        {
            return Problem(ProblemKind.NarHash, entry, $"the decompressed NAR is {NixHash.ToPrefixedNix32(narHash)} ({nar.BytesRead} bytes), the narinfo says {NixHash.ToPrefixedNix32(info.NarHash)} ({info.NarSize} bytes)");
        }

        return null;
    }

    private static CacheProblem Problem(ProblemKind kind, NarInfoEntry entry, string detail) =>
        new(kind, entry.HashPart, entry.Info!.StorePath.FullPath, entry.Info.Url, detail);
}
