using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Watcher.Nix;

namespace Watcher.Store;

/// <summary>
/// Buffers worker-protocol values (u64 little-endian words, zero-padded strings, lists)
/// and writes them to the stream on <see cref="FlushAsync"/>, so a request goes out in one write.
/// </summary>
internal sealed class WireWriter
{
    private readonly Stream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    public WireWriter(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>Bytes written since the last flush.</summary>
    public int PendingCount => _buffer.WrittenCount;

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteBool(bool value) => WriteUInt64(value ? 1UL : 0UL);

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        WriteUInt64((ulong)bytes.Length);
        int padding = (8 - (bytes.Length % 8)) % 8;
        var span = _buffer.GetSpan(bytes.Length + padding);
        bytes.CopyTo(span);
        span.Slice(bytes.Length, padding).Clear();
        _buffer.Advance(bytes.Length + padding);
    }

    public void WriteString(string value) => WriteBytes(Encoding.UTF8.GetBytes(value));

    public void WriteStrings(IReadOnlyCollection<string> values)
    {
        WriteUInt64((ulong)values.Count);
        foreach (string value in values)
        {
            WriteString(value);
        }
    }

    public void WriteStorePath(StorePath path) => WriteString(path.FullPath);

    public void WriteStorePaths(IReadOnlyCollection<StorePath> paths)
    {
        WriteUInt64((ulong)paths.Count);
        foreach (var path in paths)
        {
            WriteStorePath(path);
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.WrittenCount > 0)
        {
            await _stream.WriteAsync(_buffer.WrittenMemory, cancellationToken);
            _buffer.ResetWrittenCount();
        }

        await _stream.FlushAsync(cancellationToken);
    }
}
