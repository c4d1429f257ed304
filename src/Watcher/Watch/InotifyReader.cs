using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Watcher.Watch;

/// <summary>
/// Watches one directory (non-recursively) for deleted <c>*.lock</c> files with inotify. Reading blocks
/// in poll(2) on the inotify descriptor and an eventfd, so an idle watcher costs nothing and
/// <see cref="Stop"/> wakes it at once.
/// </summary>
internal sealed unsafe class InotifyReader : IDisposable
{
    private const string LockSuffix = ".lock";

    // Large enough for a burst of thousands of events per read(); the kernel queue holds the rest.
    private const int BufferSize = 256 * 1024;

    private readonly int _inotify;
    private readonly int _wake;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _stopped;
    private int _closed;

    public InotifyReader(string directory)
    {
        _inotify = Inotify.inotify_init1(Inotify.InCloseOnExec | Inotify.InNonBlock);
        if (_inotify < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "inotify_init1 failed (is fs.inotify.max_user_instances exhausted?)");
        }

        _wake = Inotify.eventfd(0, Inotify.InCloseOnExec | Inotify.InNonBlock);
        if (_wake < 0 || Inotify.inotify_add_watch(_inotify, directory, Inotify.InDelete | Inotify.InOnlyDir) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Inotify.close(_inotify);
            if (_wake >= 0)
            {
                Inotify.close(_wake);
            }

            throw new Win32Exception(errno, $"cannot watch '{directory}' with inotify");
        }
    }

    /// <summary>
    /// Blocks until events arrive and returns them, or returns an empty list once stopped.
    /// Call from a dedicated thread.
    /// </summary>
    public IReadOnlyList<StoreEvent> Read()
    {
        var events = new List<StoreEvent>();
        var fds = stackalloc Inotify.PollFd[2];
        while (events.Count == 0 && Volatile.Read(ref _stopped) == 0)
        {
            fds[0] = new Inotify.PollFd { Fd = _inotify, Events = Inotify.PollIn };
            fds[1] = new Inotify.PollFd { Fd = _wake, Events = Inotify.PollIn };
            if (Inotify.poll(fds, 2, -1) < 0)
            {
                ThrowUnlessRetryable("poll");
                continue;
            }

            if ((fds[1].Revents & Inotify.PollIn) != 0)
            {
                break;
            }

            nint n;
            fixed (byte* buffer = _buffer)
            {
                n = Inotify.read(_inotify, buffer, _buffer.Length);
            }

            if (n < 0)
            {
                ThrowUnlessRetryable("read");
                continue;
            }

            Parse(_buffer.AsSpan(0, (int)n), events);
        }

        return events;
    }

    /// <summary>Decodes a buffer of <c>struct inotify_event</c>s.</summary>
    internal static void Parse(ReadOnlySpan<byte> data, List<StoreEvent> events)
    {
        int offset = 0;
        while (offset + Inotify.EventHeaderSize <= data.Length)
        {
            uint mask = BitConverter.ToUInt32(data[(offset + 4)..]);
            int nameLength = (int)BitConverter.ToUInt32(data[(offset + 12)..]);
            var nameBytes = data.Slice(offset + Inotify.EventHeaderSize, nameLength);
            offset += Inotify.EventHeaderSize + nameLength;
            if ((mask & Inotify.InQueueOverflow) != 0)
            {
                events.Add(new StoreEvent(StoreEventKind.Overflow, null));
                continue;
            }

            int end = nameBytes.IndexOf((byte)0);
            string name = Encoding.UTF8.GetString(end < 0 ? nameBytes : nameBytes[..end]);
            if ((mask & Inotify.InDelete) != 0 && name.EndsWith(LockSuffix, StringComparison.Ordinal))
            {
                events.Add(new StoreEvent(StoreEventKind.LockRemoved, name[..^LockSuffix.Length]));
            }
        }
    }

    /// <summary>Wakes a thread blocked in <see cref="Read"/>, which then returns an empty list.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        ulong one = 1;
        Inotify.write(_wake, (byte*)&one, sizeof(ulong));
    }

    /// <summary>
    /// Closes the descriptors. Call <see cref="Stop"/> and wait for the reading thread first: closing
    /// while poll() still uses the descriptor numbers could wake it on a reused descriptor.
    /// </summary>
    public void Dispose()
    {
        Stop();
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Inotify.close(_inotify);
            Inotify.close(_wake);
        }
    }

    private static void ThrowUnlessRetryable(string call)
    {
        int errno = Marshal.GetLastPInvokeError();
        if (errno is not (Inotify.EIntr or Inotify.EAgain))
        {
            throw new Win32Exception(errno, call + " on the inotify descriptor failed");
        }
    }
}
