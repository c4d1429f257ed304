namespace Watcher.Caches.Zstd;

/// <summary>A zstd compressor: the system's libzstd (<see cref="LibZstdEncoder"/>) or the managed port (<see cref="ZstdSharpEncoder"/>).</summary>
internal interface IZstdEncoder
{
    /// <summary>What compresses, for the log and <c>nix-watcher check -v</c> (e.g. <c>libzstd 1.5.4</c>).</summary>
    string Description { get; }

    /// <summary>
    /// A stream that compresses what is written to it into one zstd frame on <paramref name="output"/>; disposing it
    /// ends the frame and leaves <paramref name="output"/> open.
    /// </summary>
    /// <param name="output">Receives the compressed bytes.</param>
    /// <param name="level">The zstd level.</param>
    /// <param name="workers">zstd worker threads; 1 compresses on the writing thread.</param>
    /// <param name="sizeHint">The expected input size, or 0 when unknown (only sizes zstd's tables; any length still compresses).</param>
    Stream Create(Stream output, int level, int workers, long sizeHint);
}
