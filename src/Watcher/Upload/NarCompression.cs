using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Watcher.Upload;

/// <summary>The NAR compressions Watcher writes and the streams that produce them.</summary>
internal static class NarCompression
{
    public const string Zstd = "zstd";
    public const string None = "none";

    /// <summary>
    /// Wraps <paramref name="output"/> in a compressing stream; disposing the result flushes the
    /// compressor but leaves <paramref name="output"/> open.
    /// </summary>
    public static Stream Wrap(string compression, Stream output, int level, int workers)
    {
        switch (compression)
        {
            case None:
                return new NonClosingStream(output);
            case Zstd:
                var zstd = new CompressionStream(output, level, bufferSize: 1 << 20, leaveOpen: true);
                if (workers > 1)
                {
                    // zstd's own worker threads: compression, not NAR reading, bounds push throughput.
                    zstd.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, workers);
                }

                return zstd;
            default:
                throw new ArgumentOutOfRangeException(nameof(compression), compression, "expected 'zstd' or 'none'");
        }
    }

    /// <summary>Passes writes through and ignores Dispose, so the caller keeps the inner stream.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);
    }
}
