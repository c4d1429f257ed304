namespace Watcher.Upload.Bandwidth;

/// <summary>
/// A write-only stream over the connection that takes tokens from an <see cref="UploadThrottle"/> for each
/// <see cref="UploadThrottle.ChunkSize"/> before writing it: the limit applies where the bytes leave.
/// It does not own the connection's stream.
/// </summary>
internal sealed class ThrottledWriteStream : Stream
{
    private readonly Stream _inner;
    private readonly UploadThrottle _throttle;
    private readonly bool _wait;
    private readonly Func<Task>? _probe;

    public ThrottledWriteStream(Stream inner, UploadThrottle throttle, bool wait, Func<Task>? probe = null)
    {
        _inner = inner;
        _throttle = throttle;
        _wait = wait;
        _probe = probe;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            int count = Math.Min(buffer.Length, UploadThrottle.ChunkSize);
            if (_probe is not null && _throttle.ProbeDue())
            {
                // Not awaited: the probe measures the queue this body builds, it must not wait behind it.
                _ = _probe();
            }

            await _throttle.AcquireAsync(count, _wait, cancellationToken);
            await _inner.WriteAsync(buffer[..count], cancellationToken);
            buffer = buffer[count..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
