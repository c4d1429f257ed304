using System.Net;
using Watcher.Nar;
using Watcher.Nix;

namespace Watcher.Caches.Attic;

/// <summary>
/// The body of an Attic upload: the upload-info preamble, then the uncompressed NAR streamed from the
/// <see cref="INarSource"/> straight into the request, with an exact <c>Content-Length</c>. The NAR is hashed and
/// counted on the way and checked against the store's path info, so local corruption is told apart from a body
/// altered in transit; memory use does not depend on the NAR's size.
/// </summary>
internal sealed class NarUploadContent : HttpContent
{
    private readonly PathInfo _info;
    private readonly INarSource _source;
    private readonly ReadOnlyMemory<byte> _preamble;
    private readonly Action _progress;

    public NarUploadContent(PathInfo info, INarSource source, ReadOnlyMemory<byte> preamble, Action progress)
    {
        _info = info;
        _source = source;
        _preamble = preamble;
        _progress = progress;
        Headers.ContentLength = preamble.Length + info.NarSize;
    }

    /// <summary>Set when the local NAR did not match the store: the reason the request was aborted.</summary>
    public NarMismatchException? LocalMismatch { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_preamble, cancellationToken);
        try
        {
            await using var bounded = new BoundedWriteStream(stream, _info, _progress);
            NarResult nar = await _source.WriteNarAsync(_info, bounded, cancellationToken);
            if (nar.NarSize != _info.NarSize || !nar.NarHash.AsSpan().SequenceEqual(_info.NarHash))
            {
                throw new NarMismatchException(_info.Path, _info.NarHash, _info.NarSize, nar.NarHash, nar.NarSize);
            }
        }
        catch (NarMismatchException ex)
        {
            // Throwing here aborts the request before the server can store a bad NAR.
            LocalMismatch = ex;
            throw;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _preamble.Length + _info.NarSize;
        return true;
    }

    /// <summary>Forwards writes until NarSize bytes, then refuses: a longer NAR is local corruption. Reports each write as progress.</summary>
    private sealed class BoundedWriteStream(Stream inner, PathInfo info, Action progress) : Stream
    {
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _written;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Check(buffer.Length);
            inner.Write(buffer);
            progress();
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Check(buffer.Length);
            await inner.WriteAsync(buffer, cancellationToken);
            progress();
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void Check(int count)
        {
            _written += count;
            if (_written > info.NarSize)
            {
                throw new NarMismatchException(
                    $"local store corruption: the NAR of {info.Path} is longer than the {info.NarSize} bytes the store recorded; " +
                    $"the upload was aborted (check it with 'nix-store --verify-path {info.Path}')");
            }
        }
    }
}
