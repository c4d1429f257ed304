using System.Runtime.InteropServices;

namespace Watcher.Watch;

/// <summary>The few libc calls the store watcher needs (inotify(7), eventfd(2), poll(2)).</summary>
internal static partial class Inotify
{
    public const uint InCreate = 0x00000100;
    public const uint InDelete = 0x00000200;
    public const uint InMovedTo = 0x00000080;
    public const uint InQueueOverflow = 0x00004000;
    public const uint InIgnored = 0x00008000;
    public const uint InOnlyDir = 0x01000000;

    public const int InNonBlock = 0x800;
    public const int InCloseOnExec = 0x80000;

    public const short PollIn = 0x1;

    public const int EventHeaderSize = 16;

    /// <summary>errno EINTR and EAGAIN: try again.</summary>
    public const int EIntr = 4;
    public const int EAgain = 11;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int inotify_init1(int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int inotify_add_watch(int fd, string pathname, uint mask);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint read(int fd, byte* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial nint write(int fd, byte* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
