using Watcher.Core;

namespace Watcher.Caches.Files;

/// <summary>
/// Makes what was written to a file system durable with one <c>syncfs</c> for everyone waiting at the time (a
/// group commit), instead of one <c>fsync</c> per file.
/// </summary>
/// <remarks>
/// A caller needs a sync that starts after its own writes: one arriving while a sync runs waits for the next one,
/// which every caller arriving meanwhile shares. Pushing many small paths made two fsyncs per path (the NAR, then
/// its narinfo) half of the file cache's time; now concurrent uploads share each sync.
/// </remarks>
internal sealed class GroupSync(Action sync)
{
    private readonly Lock _lock = new();
    private Task? _running;
    private Task? _next;

    /// <summary>Syncs the file system that holds <paramref name="directory"/>.</summary>
    public static GroupSync ForDirectory(string directory) => new(() => SyncFileSystem(directory));

    /// <summary>Completes once everything written before the call is on disk; faults with the sync's error.</summary>
    public Task SyncAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_next is not null)
            {
                return _next.WaitAsync(cancellationToken);
            }

            if (_running is null || _running.IsCompleted)
            {
                _running = Task.Run(sync, CancellationToken.None);
                return _running.WaitAsync(cancellationToken);
            }

            var previous = _running;
            _next = Task.Run(
                async () =>
                {
                    await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    lock (_lock)
                    {
                        // From here on, new callers need a sync after this one.
                        _running = _next;
                        _next = null;
                    }

                    sync();
                },
                CancellationToken.None);
            return _next.WaitAsync(cancellationToken);
        }
    }

    private static unsafe void SyncFileSystem(string directory)
    {
        byte[] path = LibC.ToNullTerminated(directory);
        int fd;
        fixed (byte* p = path)
        {
            fd = LibC.OpenAt(LibC.AtFdCwd, p, LibC.ReadOnly | LibC.DirectoryFlag | LibC.CloseOnExec);
        }

        if (fd < 0)
        {
            throw LibC.Error("open", directory);
        }

        try
        {
            if (LibC.SyncFs(fd) != 0)
            {
                throw LibC.Error("syncfs", directory);
            }
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }
}
