namespace Watcher.Caches.Zstd;

/// <summary>
/// Passes writes to <c>inner</c> and leaves it open when disposed, so the caller keeps it; <c>onWrite</c>, when set,
/// is called after each write (progress for the watchdog and the live display, which reads <see cref="BytesWritten"/>).
/// </summary>
/// <remarks>
/// With <c>synchronous</c>, asynchronous writes and flushes also run on the calling thread. That is for local files:
/// Linux has no asynchronous file writes, and <see cref="FileStream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// runs the same blocking write on another pool thread. For a cache of many small NARs those hops, not the bytes,
/// were the cost; the writes land in the page cache and the one real wait is the cache's group sync.
/// </remarks>
internal sealed class PassThroughWriteStream(Stream inner, bool synchronous, Action? onWrite = null) : Stream
{
    private long _written;

    /// <summary>How many bytes have been handed to the inner stream so far.</summary>
    public long BytesWritten => Interlocked.Read(ref _written);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!synchronous)
        {
            return inner.FlushAsync(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        inner.Flush();
        return Task.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Interlocked.Add(ref _written, buffer.Length);
        onWrite?.Invoke();
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!synchronous)
        {
            if (onWrite is null)
            {
                Interlocked.Add(ref _written, buffer.Length);
                return inner.WriteAsync(buffer, cancellationToken);
            }

            return WriteAndReportAsync(buffer, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    private async ValueTask WriteAndReportAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        Interlocked.Add(ref _written, buffer.Length);
        onWrite!.Invoke();
    }
}
