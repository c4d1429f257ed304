using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Watcher.Caches;

/// <summary>
/// Advisory whole-file locks (<c>flock(2)</c>) that mark a file as in use by a live process: a file cache's temporary
/// file while it is written, or a process's staging directory. The kernel drops a lock when its process dies, however
/// it dies, so a leftover is a file whose lock anyone can take.
/// </summary>
/// <remarks>
/// .NET's own <see cref="FileShare"/> locks are switched off for this app (<c>System.IO.DisableFileLocking</c> in
/// Watcher.csproj), so the lock is taken here, explicitly. A <c>flock</c> lock belongs to the open file, not to the
/// process: two opens of the same file in one process exclude each other too.
/// </remarks>
internal static partial class FileLock
{
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    /// <summary>EWOULDBLOCK (= EAGAIN on Linux): another open file holds a conflicting lock.</summary>
    private const int WouldBlock = 11;

    /// <summary>Takes an exclusive lock on <paramref name="handle"/> without waiting.</summary>
    /// <returns><see langword="false"/> when another open file (of any process) holds the lock.</returns>
    /// <exception cref="IOException">The file system does not support the lock (or another error).</exception>
    public static bool TryLockExclusive(SafeFileHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Flock((int)handle.DangerousGetHandle(), LockExclusive | LockNonBlocking) == 0)
            {
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            return errno == WouldBlock
                ? false
                : throw new IOException($"flock failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);
}
