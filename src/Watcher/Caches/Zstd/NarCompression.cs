namespace Watcher.Caches.Zstd;

/// <summary>The NAR compressions Watcher writes and the streams that produce them.</summary>
internal static class NarCompression
{
    public const string Zstd = "zstd";
    public const string None = "none";

    /// <summary>The input each zstd worker compresses at a time.</summary>
    /// <remarks>
    /// zstd's default at level 3 is 8 MiB, and it keeps input and output buffers for a few jobs per worker: with
    /// two workers that was about 75 MB of a push's memory. 2 MiB jobs keep it near 20 MB and still take each
    /// worker several milliseconds, so the hand-offs cost nothing measurable; the frames compress a little less
    /// well where jobs meet (zstd overlaps them by part of the window).
    /// </remarks>
    internal const int MultithreadedJobSize = 2 << 20;

    /// <summary>
    /// Wraps <paramref name="output"/> in a compressing stream; disposing the result flushes the
    /// compressor but leaves <paramref name="output"/> open.
    /// </summary>
    /// <param name="compression"><see cref="Zstd"/> or <see cref="None"/>.</param>
    /// <param name="output">Receives the compressed bytes.</param>
    /// <param name="level">The zstd level.</param>
    /// <param name="workers">zstd worker threads; 1 compresses on the writing thread.</param>
    /// <param name="sizeHint">The expected input size (the NAR size), or 0 when unknown.</param>
    /// <param name="zstd">The zstd encoder; <see langword="null"/> for <see cref="ZstdEncoders.Default"/> (libzstd if it loads).</param>
    /// <remarks>
    /// The size hint lets zstd size its tables to the input, as the <c>zstd</c> tool does for a file: without it
    /// every stream sets up (and clears) the tables for an input of unknown size, several hundred KiB at level 3,
    /// which for a store path of a few hundred bytes costs far more than compressing it. It is only a hint: the
    /// frame does not record it, and a source that turns out longer or shorter still compresses correctly.
    /// </remarks>
    public static Stream Wrap(string compression, Stream output, int level, int workers, long sizeHint = 0, IZstdEncoder? zstd = null) => compression switch
    {
        None => new PassThroughWriteStream(output, synchronous: false),
        Zstd => (zstd ?? ZstdEncoders.Default).Create(output, level, workers, sizeHint),
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "expected 'zstd' or 'none'"),
    };
}
