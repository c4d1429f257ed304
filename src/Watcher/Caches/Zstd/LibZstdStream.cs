using System.Buffers;

namespace Watcher.Caches.Zstd;

/// <summary>
/// Compresses what is written into one zstd frame with libzstd's <c>ZSTD_compressStream2</c>, one <c>ZSTD_CCtx</c> per
/// stream; disposing ends the frame and leaves the output open. Memory is bounded: libzstd's context (sized to the
/// hint, its jobs bounded by <see cref="NarCompression.MultithreadedJobSize"/>) and one pooled output buffer, written
/// out whenever it fills.
/// </summary>
internal sealed class LibZstdStream : Stream
{
    /// <summary>The output buffer: two of zstd's 128 KiB blocks, so that most writes to the output are large.</summary>
    internal const int OutputBufferSize = 256 << 10;

    private readonly Stream _output;
    private readonly ZstdCompressionContext _context;
    private byte[]? _buffer;
    private int _buffered;

    public LibZstdStream(Stream output, int level, int workers, long sizeHint)
    {
        _context = LibZstd.CreateCCtx();
        if (_context.IsInvalid)
        {
            _context.Dispose();
            throw new IOException("libzstd: ZSTD_createCCtx failed");
        }

        try
        {
            Set(LibZstd.CompressionLevel, level);
            if (workers > 1)
            {
                Set(LibZstd.NbWorkers, workers);
                Set(LibZstd.JobSize, NarCompression.MultithreadedJobSize);
            }

            if (sizeHint > 0)
            {
                Set(LibZstd.SrcSizeHint, (int)Math.Min(sizeHint, int.MaxValue));
            }
        }
        catch
        {
            _context.Dispose();
            throw;
        }

        _output = output;
        _buffer = ArrayPool<byte>.Shared.Rent(OutputBufferSize);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _buffer is not null;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        byte[] output = Buffer();
        int consumed = 0;
        while (consumed < buffer.Length)
        {
            consumed += Compress(buffer[consumed..], LibZstd.Continue, out _);
            if (_buffered == output.Length)
            {
                _output.Write(output, 0, _buffered);
                _buffered = 0;
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        byte[] output = Buffer();
        int consumed = 0;
        while (consumed < buffer.Length)
        {
            consumed += Compress(buffer.Span[consumed..], LibZstd.Continue, out _);
            if (_buffered == output.Length)
            {
                await _output.WriteAsync(output.AsMemory(0, _buffered), cancellationToken);
                _buffered = 0;
            }
        }
    }

    /// <summary>Ends the current zstd block, so that everything written so far can be decompressed, and flushes the output.</summary>
    public override void Flush()
    {
        DrainAsync(LibZstd.Flush, synchronous: true, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _output.Flush();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(LibZstd.Flush, synchronous: false, cancellationToken);
        await _output.FlushAsync(cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_buffer is not null)
        {
            try
            {
                await DrainAsync(LibZstd.End, synchronous: false, CancellationToken.None);
            }
            finally
            {
                Release();
            }
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is not null)
        {
            try
            {
                DrainAsync(LibZstd.End, synchronous: true, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }
            finally
            {
                Release();
            }
        }

        base.Dispose(disposing);
    }

    private byte[] Buffer() => _buffer ?? throw new ObjectDisposedException(nameof(LibZstdStream));

    private void Set(int parameter, int value) =>
        LibZstd.Check(LibZstd.SetParameter(_context, parameter, value), $"ZSTD_CCtx_setParameter({parameter}, {value})");

    /// <summary>One <c>ZSTD_compressStream2</c> call into the free part of the output buffer; returns the input bytes consumed.</summary>
    private unsafe int Compress(ReadOnlySpan<byte> input, int directive, out nuint remaining)
    {
        byte[] output = Buffer();
        fixed (byte* source = input)
        fixed (byte* destination = output)
        {
            var inBuffer = new LibZstd.InBuffer { Source = source, Size = (nuint)input.Length };
            var outBuffer = new LibZstd.OutBuffer { Destination = destination, Size = (nuint)output.Length, Position = (nuint)_buffered };
            remaining = LibZstd.Check(LibZstd.CompressStream2(_context, &outBuffer, &inBuffer, directive), "ZSTD_compressStream2");
            _buffered = (int)outBuffer.Position;
            return (int)inBuffer.Position;
        }
    }

    /// <summary>Flushes or ends the frame: calls zstd until it has nothing left, writing the output buffer whenever it fills and at the end.</summary>
    private async ValueTask DrainAsync(int directive, bool synchronous, CancellationToken cancellationToken)
    {
        byte[] output = Buffer();
        nuint remaining;
        do
        {
            Compress([], directive, out remaining);
            if ((_buffered == output.Length || remaining == 0) && _buffered > 0)
            {
                if (synchronous)
                {
                    _output.Write(output, 0, _buffered);
                }
                else
                {
                    await _output.WriteAsync(output.AsMemory(0, _buffered), cancellationToken);
                }

                _buffered = 0;
            }
        }
        while (remaining != 0);
    }

    private void Release()
    {
        _context.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer!);
        _buffer = null;
    }
}
