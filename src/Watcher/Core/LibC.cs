using System.Runtime.InteropServices;
using System.Text;
using Watcher.Nar;

namespace Watcher.Core;

/// <summary>
/// The Linux libc calls <see cref="NarWriter"/> uses to walk a tree by file descriptor, seeing names and symlink
/// targets as raw bytes and file types without following links (and the file cache's <c>syncfs</c>).
/// </summary>
/// <remarks>
/// .NET's file APIs cannot do this: they decode names to UTF-16 (a name that is not valid UTF-8 would be mangled)
/// and have no way to tell a FIFO or socket from a regular file without opening it, which can block.
/// <c>statx</c> is used rather than <c>lstat</c> because its buffer layout is the same on every architecture.
/// </remarks>
internal static unsafe partial class LibC
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const uint StatxType = 0x1;
    public const uint StatxMode = 0x2;
    public const uint StatxSize = 0x200;
    public const int StatxBufferSize = 256;
    public const int StatxModeOffset = 28;
    public const int StatxSizeOffset = 40;

    public const int ReadOnly = 0;
    public const int NonBlock = 0x800;
    public const int CloseOnExec = 0x80000;

    public const int FileTypeMask = 0xF000;
    public const int Socket = 0xC000;
    public const int SymbolicLink = 0xA000;
    public const int RegularFile = 0x8000;
    public const int BlockDevice = 0x6000;
    public const int DirectoryType = 0x4000;
    public const int CharacterDevice = 0x2000;
    public const int Fifo = 0x1000;
    public const int OwnerExecute = 0x40;

    /// <summary>The dirent layout of 64-bit glibc and musl: d_ino, d_off, d_reclen, d_type, then d_name.</summary>
    public const int DirentNameOffset = 19;

    private const string Library = "libc";

    /// <summary>O_DIRECTORY: arm64 overrides the asm-generic value that x86-64, riscv64 and loongarch64 use.</summary>
    public static readonly int DirectoryFlag = IsArm64 ? 0x4000 : 0x10000;

    /// <summary>O_NOFOLLOW: arm64 overrides the asm-generic value that x86-64, riscv64 and loongarch64 use.</summary>
    public static readonly int NoFollow = IsArm64 ? 0x8000 : 0x20000;

    private static bool IsArm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    /// <summary>Throws unless this process runs on 64-bit Linux, the only layout the constants above describe.</summary>
    public static void EnsureSupported()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64))
        {
            throw new PlatformNotSupportedException("writing NARs needs 64-bit Linux");
        }
    }

    [LibraryImport(Library, EntryPoint = "openat", SetLastError = true)]
    public static partial int OpenAt(int directoryFd, byte* path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Writes every dirty page and the journal of the file system holding <paramref name="fd"/> (the file cache's group commit).</summary>
    [LibraryImport(Library, EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);

    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int directoryFd, byte* path, int flags, uint mask, byte* buffer);

    [LibraryImport(Library, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int directoryFd, byte* path, byte* buffer, nuint bufferSize);

    /// <summary>Wraps a directory fd in a DIR stream; on success the stream owns the fd.</summary>
    [LibraryImport(Library, EntryPoint = "fdopendir", SetLastError = true)]
    public static partial nint FdOpenDir(int fd);

    /// <summary>The next entry, or null at the end (errno unchanged) or on error (errno set).</summary>
    [LibraryImport(Library, EntryPoint = "readdir", SetLastError = true)]
    public static partial byte* ReadDir(nint directory);

    [LibraryImport(Library, EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(nint directory);

    /// <summary>A path as libc takes it: UTF-8, NUL-terminated.</summary>
    public static byte[] ToNullTerminated(string path)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    /// <summary>An IOException for the errno of the last call, naming the operation and path.</summary>
    public static IOException Error(string operation, string path)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{operation} '{path}' failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
