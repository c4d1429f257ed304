using System.Buffers.Binary;
using System.Text;

namespace Watcher.Store;

/// <summary>
/// Buffered reader of worker-protocol values (u64 little-endian words, padded strings, lists) from a
/// stream. Lengths and counts from the peer are checked against <see cref="WorkerProtocol"/> limits
/// before anything is allocated.
/// </summary>
internal sealed partial class WireReader
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;

    public WireReader(Stream stream, string storeDir = Nix.StorePath.DefaultStoreDir)
    {
        _stream = stream;
        StoreDir = storeDir;
    }

    /// <summary>The store directory store paths read from the wire must live in.</summary>
    public string StoreDir { get; }

    /// <summary>Bytes already read from the stream but not yet consumed.</summary>
    public int BufferedCount => _end - _start;

    private int Buffered => _end - _start;

    public ValueTask<ulong> ReadUInt64Async(CancellationToken cancellationToken) => ReadUInt64Async("a u64", cancellationToken);

    public ValueTask<ulong> ReadUInt64Async(string what, CancellationToken cancellationToken)
    {
        if (Buffered >= 8)
        {
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_start, 8));
            _start += 8;
            return new ValueTask<ulong>(value);
        }

        return ReadUInt64SlowAsync(what, cancellationToken);
    }

    public async ValueTask<bool> ReadBoolAsync(CancellationToken cancellationToken) => await ReadUInt64Async("a bool", cancellationToken) != 0;

    /// <summary>Reads a u64 that must fit a non-negative <see cref="long"/> (sizes, times).</summary>
    public async ValueTask<long> ReadInt64Async(string what, CancellationToken cancellationToken)
    {
        ulong value = await ReadUInt64Async(what, cancellationToken);
        if (value > long.MaxValue)
        {
            WireThrowHelper.ThrowTooLong(what, long.MaxValue, value);
        }

        return (long)value;
    }

    /// <summary>Reads a list or set count, refusing counts above <see cref="WorkerProtocol.MaxListCount"/>.</summary>
    public async ValueTask<int> ReadCountAsync(CancellationToken cancellationToken)
    {
        ulong count = await ReadUInt64Async("a list count", cancellationToken);
        if (count > WorkerProtocol.MaxListCount)
        {
            WireThrowHelper.ThrowTooLong("list count", WorkerProtocol.MaxListCount, count);
        }

        return (int)count;
    }

    public async ValueTask<byte[]> ReadBytesAsync(CancellationToken cancellationToken)
    {
        ulong length = await ReadUInt64Async("a string length", cancellationToken);
        if (length > WorkerProtocol.MaxStringLength)
        {
            WireThrowHelper.ThrowTooLong("string length", WorkerProtocol.MaxStringLength, length);
        }

        var bytes = new byte[(int)length];
        await ReadExactlyAsync(bytes, "a string", cancellationToken);
        int padding = (8 - (bytes.Length % 8)) % 8;
        if (padding > 0)
        {
            await EnsureBufferedAsync(padding, "string padding", cancellationToken);
            if (_buffer.AsSpan(_start, padding).ContainsAnyExcept((byte)0))
            {
                WireThrowHelper.ThrowNonZeroPadding(bytes.Length);
            }

            _start += padding;
        }

        return bytes;
    }

    /// <summary>Reads a string; the bytes are decoded as UTF-8 (Nix strings are bytes, but everything we read is text).</summary>
    public async ValueTask<string> ReadStringAsync(CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await ReadBytesAsync(cancellationToken));

    public async ValueTask<List<string>> ReadStringsAsync(CancellationToken cancellationToken)
    {
        int count = await ReadCountAsync(cancellationToken);
        var items = new List<string>(Math.Min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            items.Add(await ReadStringAsync(cancellationToken));
        }

        return items;
    }

    /// <summary>
    /// Reads up to <paramref name="destination"/>.Length raw (unframed) bytes, buffered ones first.
    /// Returns 0 only at end of stream.
    /// </summary>
    public async ValueTask<int> ReadRawAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (Buffered > 0)
        {
            int n = Math.Min(Buffered, destination.Length);
            _buffer.AsMemory(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }

        return await _stream.ReadAsync(destination, cancellationToken);
    }

    private async ValueTask<ulong> ReadUInt64SlowAsync(string what, CancellationToken cancellationToken)
    {
        await EnsureBufferedAsync(8, what, cancellationToken);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_start, 8));
        _start += 8;
        return value;
    }

    private async ValueTask ReadExactlyAsync(Memory<byte> destination, string what, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = await ReadRawAsync(destination[total..], cancellationToken);
            if (n == 0)
            {
                WireThrowHelper.ThrowTruncated(what, destination.Length, total);
            }

            total += n;
        }
    }

    private async ValueTask EnsureBufferedAsync(int count, string what, CancellationToken cancellationToken)
    {
        if (Buffered >= count)
        {
            return;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, Buffered);
            _end = Buffered;
            _start = 0;
        }

        while (_end < count)
        {
            int n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
            {
                WireThrowHelper.ThrowTruncated(what, count, _end);
            }

            _end += n;
        }
    }
}
