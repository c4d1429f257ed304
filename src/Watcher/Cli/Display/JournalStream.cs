using System.Globalization;
using Watcher.Core;

namespace Watcher.Cli.Display;

/// <summary>
/// Whether stderr is the systemd journal: systemd sets <c>$JOURNAL_STREAM</c> to the device and inode of the stream it
/// connects (<c>systemd.exec(5)</c>); a child whose stderr was redirected elsewhere inherits the variable but not the stream.
/// Lines for the journal start with their syslog priority (<c>&lt;4&gt;</c>), which journald records and strips.
/// </summary>
internal static unsafe class JournalStream
{
    private const uint StatxIno = 0x100;
    private const int StatxInoOffset = 32;
    private const int StatxDevMajorOffset = 136;
    private const int StatxDevMinorOffset = 140;

    /// <summary>Whether this process's stderr is the stream <c>$JOURNAL_STREAM</c> names.</summary>
    public static bool IsStandardError() =>
        Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 } variable && Identity("/proc/self/fd/2") is { } stderr && Names(variable, stderr);

    /// <summary>Whether <paramref name="variable"/> (<c>device:inode</c>, both decimal) names <paramref name="stream"/>.</summary>
    internal static bool Names(string variable, (ulong Device, ulong Inode) stream)
    {
        int colon = variable.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && ulong.TryParse(variable.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out ulong device)
            && ulong.TryParse(variable.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
            && (device, inode) == stream;
    }

    /// <summary>The device (as <c>st_dev</c>) and inode of what <paramref name="path"/> leads to; null if it cannot be examined.</summary>
    internal static (ulong Device, ulong Inode)? Identity(string path)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        byte* buffer = stackalloc byte[LibC.StatxBufferSize];
        fixed (byte* pointer = name)
        {
            if (LibC.Statx(LibC.AtFdCwd, pointer, 0, StatxIno, buffer) != 0)
            {
                return null;
            }
        }

        ulong inode = *(ulong*)(buffer + StatxInoOffset);
        ulong major = *(uint*)(buffer + StatxDevMajorOffset);
        ulong minor = *(uint*)(buffer + StatxDevMinorOffset);

        // glibc's makedev(3): how st_dev, and so $JOURNAL_STREAM, encodes the two numbers.
        ulong device = ((major & 0xFFFu) << 8) | ((major & 0xFFFFF000u) << 32) | (minor & 0xFFu) | ((minor & 0xFFFFFF00u) << 12);
        return (device, inode);
    }
}
