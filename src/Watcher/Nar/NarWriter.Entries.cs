using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Watcher.Core;

namespace Watcher.Nar;

/// <summary>The three node kinds, and the raw file-descriptor calls behind them.</summary>
internal sealed partial class NarWriter
{
    private async ValueTask WriteRegularAsync(int directoryFd, byte[] name, string? parentPath, FileStatus status, CancellationToken cancellationToken)
    {
        // Nix keeps only the owner-execute bit (S_IXUSR); group/other bits and everything else are dropped.
        Append((status.Mode & LibC.OwnerExecute) != 0 ? ExecutableContents : RegularContents);
        AppendUInt64((ulong)status.Size);
        using var handle = OpenFile(directoryFd, name, parentPath);
        long offset = 0;
        while (offset < status.Size)
        {
            if (_length == _buffer.Length)
            {
                await FlushAsync(cancellationToken);
            }

            // A plain pread: on Linux the async variant runs this same blocking read on another pool thread,
            // one thread hop per file, which is most of the cost of a small file already in the page cache.
            cancellationToken.ThrowIfCancellationRequested();
            int count = (int)Math.Min(_buffer.Length - _length, status.Size - offset);
            int read = RandomAccess.Read(handle, _buffer.AsSpan(_length, count), offset);
            if (read == 0)
            {
                throw new IOException($"'{Describe(parentPath, name)}' shrank while being archived: expected {status.Size} bytes, found {offset}");
            }

            _length += read;
            offset += read;
        }

        int padding = NarFormat.Padding(status.Size);
        await ReserveAsync(padding, cancellationToken);
        AppendZeros(padding);
    }

    private async ValueTask WriteSymlinkAsync(int directoryFd, byte[] name, string? parentPath, CancellationToken cancellationToken)
    {
        byte[] target = ArrayPool<byte>.Shared.Rent(NarFormat.MaxTargetLength + 1);
        try
        {
            int length = ReadLink(directoryFd, name, parentPath, target);
            await ReserveAsync(SymlinkTarget.Length + NarFormat.EncodedLength(length), cancellationToken);
            Append(SymlinkTarget);
            AppendString(target.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(target);
        }
    }

    private async ValueTask WriteDirectoryAsync(int parentFd, byte[] name, string path, int depth, CancellationToken cancellationToken)
    {
        nint directory = OpenDirectory(parentFd, name, path, out int fd);
        try
        {
            List<byte[]> entries = ReadEntries(directory, path);

            // Nix sorts by raw bytes (std::map<std::string>). The names here carry their NUL terminator, which
            // does not change the order: no name contains NUL, so it only ever meets a longer name's byte, which
            // it precedes exactly as a prefix would.
            entries.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
            foreach (byte[] entry in entries)
            {
                await ReserveAsync(EntryStart.Length + NarFormat.EncodedLength(entry.Length - 1) + NodeKeyword.Length, cancellationToken);
                Append(EntryStart);
                AppendString(entry.AsSpan(0, entry.Length - 1));
                Append(NodeKeyword);
                await WriteNodeAsync(fd, entry, path, depth + 1, cancellationToken);
                await ReserveAsync(CloseParen.Length, cancellationToken);
                Append(CloseParen);
            }
        }
        finally
        {
            _ = LibC.CloseDir(directory);
        }
    }

    private static unsafe FileStatus Stat(int directoryFd, byte[] name, string? parentPath)
    {
        byte* buffer = stackalloc byte[LibC.StatxBufferSize];
        int result;
        fixed (byte* path = name)
        {
            result = LibC.Statx(directoryFd, path, LibC.AtSymlinkNoFollow, LibC.StatxType | LibC.StatxMode | LibC.StatxSize, buffer);
        }

        if (result != 0)
        {
            throw LibC.Error("statx", Describe(parentPath, name));
        }

        return new FileStatus(*(ushort*)(buffer + LibC.StatxModeOffset), *(long*)(buffer + LibC.StatxSizeOffset));
    }

    private static unsafe SafeFileHandle OpenFile(int directoryFd, byte[] name, string? parentPath)
    {
        int fd;
        fixed (byte* path = name)
        {
            // O_NONBLOCK so that a FIFO swapped in after the stat cannot hang the open.
            fd = LibC.OpenAt(directoryFd, path, LibC.ReadOnly | LibC.NoFollow | LibC.NonBlock | LibC.CloseOnExec);
        }

        if (fd < 0)
        {
            throw LibC.Error("open", Describe(parentPath, name));
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static unsafe int ReadLink(int directoryFd, byte[] name, string? parentPath, byte[] target)
    {
        nint length;
        fixed (byte* path = name)
        fixed (byte* destination = target)
        {
            length = LibC.ReadLinkAt(directoryFd, path, destination, (nuint)target.Length);
        }

        if (length < 0)
        {
            throw LibC.Error("readlink", Describe(parentPath, name));
        }

        if (length > NarFormat.MaxTargetLength)
        {
            throw new IOException($"'{Describe(parentPath, name)}' is a symlink whose target is longer than the {NarFormat.MaxTargetLength} bytes Nix allows");
        }

        return (int)length;
    }

    private static unsafe nint OpenDirectory(int parentFd, byte[] name, string path, out int fd)
    {
        fixed (byte* native = name)
        {
            fd = LibC.OpenAt(parentFd, native, LibC.ReadOnly | LibC.DirectoryFlag | LibC.NoFollow | LibC.CloseOnExec);
        }

        if (fd < 0)
        {
            throw LibC.Error("open", path);
        }

        nint directory = LibC.FdOpenDir(fd);
        if (directory == 0)
        {
            var error = LibC.Error("fdopendir", path);
            _ = LibC.Close(fd);
            throw error;
        }

        return directory;
    }

    /// <summary>The names in a directory, except <c>.</c> and <c>..</c>, as NUL-terminated raw bytes.</summary>
    private static unsafe List<byte[]> ReadEntries(nint directory, string path)
    {
        var entries = new List<byte[]>();
        while (true)
        {
            byte* entry = LibC.ReadDir(directory);
            if (entry == null)
            {
                // The generated stub clears errno before the call, so non-zero here means an error, not the end.
                if (Marshal.GetLastPInvokeError() != 0)
                {
                    throw LibC.Error("readdir", path);
                }

                return entries;
            }

            var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry + LibC.DirentNameOffset);
            if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
            {
                continue;
            }

            byte[] copy = new byte[name.Length + 1];
            name.CopyTo(copy);
            entries.Add(copy);
        }
    }

    /// <summary>What <c>statx</c> told us about an entry: <c>st_mode</c> (type and permission bits) and size.</summary>
    private readonly record struct FileStatus(int Mode, long Size);
}
