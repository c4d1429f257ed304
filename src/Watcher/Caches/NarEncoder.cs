using Watcher.Caches.Zstd;
using Watcher.Nar;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>What a compressed NAR came out as: the <c>FileHash</c>/<c>FileSize</c> of a narinfo.</summary>
internal sealed record EncodedNar(byte[] FileHash, long FileSize, string Compression)
{
    /// <summary>The cache-relative name Nix gives the file: <c>nar/&lt;nix32 FileHash&gt;.nar[.ext]</c>.</summary>
    public string Url => "nar/" + NixHash.ToNix32(FileHash) + ".nar" + NarInfo.NarExtension(Compression);

    /// <summary>The narinfo for this NAR, before signing.</summary>
    public NarInfo ToNarInfo(PathInfo info) => NarInfo.ForPath(info, Url, Compression, FileHash, FileSize);
}

/// <summary>
/// Streams a NAR from its source through the compressor into a destination, hashing both sides, and
/// checks the NAR against the store's path info. Memory use does not depend on the NAR's size.
/// </summary>
/// <param name="compression"><see cref="NarCompression.Zstd"/> or <see cref="NarCompression.None"/>.</param>
/// <param name="level">The zstd level.</param>
/// <param name="workers">zstd worker threads for NARs from <see cref="MultithreadedFrom"/>.</param>
/// <param name="zstd">The zstd encoder; <see langword="null"/> for <see cref="ZstdEncoders.Default"/>.</param>
internal sealed class NarEncoder(string compression, int level, int workers, IZstdEncoder? zstd = null)
{
    /// <summary>The NAR size from which zstd gets its own worker threads.</summary>
    /// <remarks>
    /// Starting zstd's workers costs two thread creations and their hand-offs per NAR, which for the typical small
    /// store path is far more than compressing it; below a few MiB zstd's jobs would not even split the input.
    /// </remarks>
    public const long MultithreadedFrom = 8L << 20;

    public string Compression { get; } = compression;

    /// <summary>Encodes the NAR of <paramref name="info"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="NarMismatchException">The bytes read do not match the store's NarHash/NarSize.</exception>
    public async Task<EncodedNar> EncodeAsync(PathInfo info, INarSource source, Stream destination, CancellationToken cancellationToken)
    {
        await using var fileSide = new HashingWriteStream(destination, leaveOpen: true);
        NarResult nar;
        await using (var compressor = NarCompression.Wrap(Compression, fileSide, level, info.NarSize >= MultithreadedFrom ? workers : 1, info.NarSize, zstd))
        {
            nar = await source.WriteNarAsync(info, compressor, cancellationToken);
        }

        if (nar.NarSize != info.NarSize || !nar.NarHash.AsSpan().SequenceEqual(info.NarHash))
        {
            throw new NarMismatchException(info.Path, info.NarHash, info.NarSize, nar.NarHash, nar.NarSize);
        }

        return new EncodedNar(fileSide.GetCurrentHash(), fileSide.BytesWritten, Compression);
    }
}
