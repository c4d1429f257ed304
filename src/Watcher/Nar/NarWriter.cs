using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Watcher.Core;

namespace Watcher.Nar;

/// <summary>
/// Serializes a file, directory or symlink to a NAR byte-identical to <c>nix-store --dump</c> (nix.md §3), streaming
/// it through one pooled buffer and computing its narHash and narSize on the way.
/// </summary>
/// <remarks>
/// Tokens and file contents are gathered in a 1 MiB buffer (file data is read straight into it) and handed to the
/// output in large writes, so no file is ever held whole in memory and small tokens cost no allocations. Two buffers
/// alternate: while one is hashed and written on the thread pool the next is filled, because SHA-256 costs about as
/// much as reading from the page cache and overlapping them is what gets past 1 GB/s.
/// The tree is walked with <see cref="LibC"/> by file descriptor so entry names and symlink targets stay raw bytes:
/// .NET's file APIs decode names to UTF-16, which cannot represent a name that is not valid UTF-8, and sorting
/// .NET strings (even ordinally) differs from Nix's byte order outside the BMP. Only the root path is a string.
/// </remarks>
internal sealed partial class NarWriter : IAsyncDisposable
{
    private const int BufferSize = 1024 * 1024;

    private static readonly byte[] NodeStart = NarFormat.Encode("(", "type");
    private static readonly byte[] RegularContents = NarFormat.Encode("regular", "contents");
    private static readonly byte[] ExecutableContents = NarFormat.Encode("regular", "executable", "", "contents");
    private static readonly byte[] SymlinkTarget = NarFormat.Encode("symlink", "target");
    private static readonly byte[] DirectoryType = NarFormat.Encode("directory");
    private static readonly byte[] EntryStart = NarFormat.Encode("entry", "(", "name");
    private static readonly byte[] NodeKeyword = NarFormat.Encode("node");
    private static readonly byte[] CloseParen = NarFormat.Encode(")");

    private readonly HashingWriteStream _output;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private byte[] _spare = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _length;

    /// <summary>The write of the previous buffer (<see cref="_spare"/>), still under way.</summary>
    private Task _pendingWrite = Task.CompletedTask;

    private NarWriter(HashingWriteStream output) => _output = output;

    /// <summary>Writes the NAR of <paramref name="path"/> to <paramref name="output"/> (left open) and returns its hash and size.</summary>
    /// <param name="path">A regular file, directory or symlink; a symlink is archived as such, never followed.</param>
    /// <param name="output">Receives the NAR; pass <see cref="Stream.Null"/> to only hash it.</param>
    /// <param name="cancellationToken">Cancels the walk and the writes.</param>
    /// <exception cref="IOException">The tree holds a FIFO, socket or device, is nested too deeply, or cannot be read.</exception>
    public static async Task<NarResult> WriteAsync(string path, Stream output, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(output);
        LibC.EnsureSupported();
        using var hashing = new HashingWriteStream(output, leaveOpen: true);
        await using (var writer = new NarWriter(hashing))
        {
            writer.Append(NarFormat.Magic);
            await writer.WriteNodeAsync(LibC.AtFdCwd, LibC.ToNullTerminated(path), parentPath: null, depth: 0, cancellationToken);
            await writer.FinishAsync(cancellationToken);
        }

        return new NarResult(hashing.GetCurrentHash(), hashing.BytesWritten);
    }

    public async ValueTask DisposeAsync()
    {
        // The buffer being written must not go back to the pool while the write still reads it.
        await _pendingWrite.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ArrayPool<byte>.Shared.Return(_buffer);
        ArrayPool<byte>.Shared.Return(_spare);
    }

    private async ValueTask WriteNodeAsync(int directoryFd, byte[] name, string? parentPath, int depth, CancellationToken cancellationToken)
    {
        if (depth >= NarFormat.MaxDepth)
        {
            throw new IOException($"'{Describe(parentPath, name)}' is nested deeper than the {NarFormat.MaxDepth} levels Nix allows in a NAR");
        }

        var status = Stat(directoryFd, name, parentPath);
        await ReserveAsync(NodeStart.Length + ExecutableContents.Length + 8, cancellationToken);
        Append(NodeStart);
        switch (status.Mode & LibC.FileTypeMask)
        {
            case LibC.RegularFile:
                await WriteRegularAsync(directoryFd, name, parentPath, status, cancellationToken);
                break;
            case LibC.SymbolicLink:
                await WriteSymlinkAsync(directoryFd, name, parentPath, cancellationToken);
                break;
            case LibC.DirectoryType:
                Append(DirectoryType);
                await WriteDirectoryAsync(directoryFd, name, Describe(parentPath, name), depth, cancellationToken);
                break;
            default:
                throw new IOException($"'{Describe(parentPath, name)}' is a {DescribeType(status.Mode)}, which a NAR cannot hold (only regular files, directories and symlinks)");
        }

        await ReserveAsync(CloseParen.Length, cancellationToken);
        Append(CloseParen);
    }

    private ValueTask ReserveAsync(int count, CancellationToken cancellationToken) =>
        _buffer.Length - _length >= count ? ValueTask.CompletedTask : FlushAsync(cancellationToken);

    /// <summary>Starts hashing and writing the filled buffer and switches to the other one.</summary>
    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_length == 0)
        {
            return;
        }

        await _pendingWrite;
        var block = _buffer.AsMemory(0, _length);
        _pendingWrite = Task.Run(async () => await _output.WriteAsync(block, cancellationToken), cancellationToken);
        (_buffer, _spare) = (_spare, _buffer);
        _length = 0;
    }

    /// <summary>Writes the last buffer on this thread: nothing is left to read while it is hashed and written.</summary>
    /// <remarks>Most store paths fit one buffer, so this is their only write, and it costs no thread hop.</remarks>
    private async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        await _pendingWrite;
        if (_length > 0)
        {
            await _output.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
            _length = 0;
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void AppendString(ReadOnlySpan<byte> value) => _length += NarFormat.WriteString(_buffer.AsSpan(_length), value);

    private void AppendUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    private void AppendZeros(int count)
    {
        _buffer.AsSpan(_length, count).Clear();
        _length += count;
    }

    /// <summary>A readable path for messages; names that are not valid UTF-8 show U+FFFD.</summary>
    private static string Describe(string? parentPath, byte[] name)
    {
        string decoded = Encoding.UTF8.GetString(name, 0, name.Length - 1);
        return parentPath is null ? decoded : parentPath.TrimEnd('/') + "/" + decoded;
    }

    private static string DescribeType(int mode) => (mode & LibC.FileTypeMask) switch
    {
        LibC.Fifo => "FIFO",
        LibC.Socket => "socket",
        LibC.CharacterDevice => "character device",
        LibC.BlockDevice => "block device",
        _ => $"file of unknown type (mode 0x{mode:x})",
    };
}
