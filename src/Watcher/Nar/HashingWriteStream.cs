using System.Security.Cryptography;

namespace Watcher.Nar;

/// <summary>
/// A write-only stream that counts and SHA-256-hashes everything written through it and forwards it to an
/// inner stream, or discards it when there is none (a hashing sink).
/// </summary>
/// <remarks>Used for the NAR hash and size, and for the file hash and size of a compressed NAR.</remarks>
internal sealed class HashingWriteStream : Stream
{
    private readonly Stream? _inner;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <param name="inner">Where the bytes go; <see langword="null"/> to only hash and count them.</param>
    /// <param name="leaveOpen">Whether disposing this stream leaves <paramref name="inner"/> open.</param>
    public HashingWriteStream(Stream? inner, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The number of bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    /// <summary>The SHA-256 of everything written so far; writing may continue afterwards.</summary>
    public byte[] GetCurrentHash() => _hash.GetCurrentHash();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesWritten += buffer.Length;
        _inner?.Write(buffer);
    }

    public override void WriteByte(byte value) => Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _hash.AppendData(buffer.Span);
        BytesWritten += buffer.Length;
        return _inner is null ? ValueTask.CompletedTask : _inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => _inner?.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _inner is null ? Task.CompletedTask : _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!_leaveOpen)
            {
                _inner?.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
