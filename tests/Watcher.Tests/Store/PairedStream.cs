using System.Threading.Channels;

namespace Watcher.Tests.Store;

/// <summary>
/// One end of an in-memory full-duplex byte stream (like a socket pair). Disposing an end signals
/// end-of-stream to the other end's reads.
/// </summary>
public sealed class PairedStream : Stream
{
    private readonly Channel<byte[]> _incoming;
    private PairedStream _peer = null!;
    private ReadOnlyMemory<byte> _current;
    private long _available;

    private PairedStream(Channel<byte[]> incoming)
    {
        _incoming = incoming;
    }

    /// <summary>Bytes written by the peer and not yet read here.</summary>
    public long Available => Interlocked.Read(ref _available);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public static (PairedStream Client, PairedStream Server) Create()
    {
        var client = new PairedStream(Channel.CreateUnbounded<byte[]>());
        var server = new PairedStream(Channel.CreateUnbounded<byte[]>());
        client._peer = server;
        server._peer = client;
        return (client, server);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_current.IsEmpty)
        {
            try
            {
                _current = await _incoming.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return 0;
            }
        }

        int n = Math.Min(buffer.Length, _current.Length);
        _current[..n].CopyTo(buffer);
        _current = _current[n..];
        Interlocked.Add(ref _available, -n);
        return n;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.Length > 0)
        {
            // Like a socket whose peer has gone: the bytes are dropped, the reader side sees end-of-stream.
            if (_peer._incoming.Writer.TryWrite(buffer.ToArray()))
            {
                _peer.AddAvailable(buffer.Length);
            }
        }

        return ValueTask.CompletedTask;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void AddAvailable(int count) => Interlocked.Add(ref _available, count);

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _peer._incoming.Writer.TryComplete();
            _incoming.Writer.TryComplete();
        }

        base.Dispose(disposing);
    }
}
