namespace Watcher.Caches;

/// <summary>
/// Where NARs are staged before they go up (an S3 NAR's key is the hash of its compressed bytes, known only at the
/// end): <c>state-dir/staging/&lt;id&gt;/</c>, one directory per process, beside a <c>&lt;id&gt;.lock</c> file the
/// process keeps locked (<see cref="FileLock"/>) for as long as it lives.
/// </summary>
/// <remarks>
/// <para>Staged files used to go to <c>$TMPDIR</c>, shared with everyone, where a crashed process left up to a few
/// hundred MB per crash that nothing ever removed. Here they sit in Watcher's own owner-only directory, and a
/// process's directory whose lock anyone can take belongs to a process that is gone: <see cref="SweepAbandoned"/>
/// deletes it. The daemon sweeps at start; <c>push</c> and <c>scan</c> sweep when they first stage a NAR.</para>
/// <para>A directory is created only after its lock file is locked, and a sweep deletes a lock file only while it
/// holds the lock, so a live process's directory is never taken for a leftover.</para>
/// </remarks>
internal sealed class StagingDirectory : IDisposable
{
    public const string DirectoryName = "staging";

    private const string LockSuffix = ".lock";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly Lock _lock = new();
    private FileStream? _lockFile;
    private string? _own;

    public StagingDirectory(string root)
    {
        Root = root;
    }

    /// <summary>The staging root: <c>staging</c> in the state directory.</summary>
    public string Root { get; }

    /// <summary>The staging directory of the state directory <paramref name="stateDir"/>.</summary>
    public static StagingDirectory In(string stateDir) => new(Path.Combine(stateDir, DirectoryName));

    /// <summary>
    /// A new, unused file name in this process's directory (created, after a sweep, on first use); the caller creates
    /// the file and deletes it when done.
    /// </summary>
    public string NewFile(string prefix) => Path.Combine(EnsureOwnDirectory(), $"{prefix}-{Guid.NewGuid():N}.nar");

    /// <summary>Deletes the directories of processes that are gone.</summary>
    /// <returns>How many staged files were deleted and their size in bytes.</returns>
    public (int Files, long Bytes) SweepAbandoned()
    {
        int files = 0;
        long bytes = 0;
        if (!Directory.Exists(Root))
        {
            return (0, 0);
        }

        string? own;
        lock (_lock)
        {
            own = _own;
        }

        foreach (string lockPath in Safe(() => Directory.GetFiles(Root, "*" + LockSuffix)))
        {
            string directory = lockPath[..^LockSuffix.Length];
            if (directory == own)
            {
                continue;
            }

            try
            {
                // Opened for writing: NFS emulates flock with POSIX locks, and an exclusive one needs a writable descriptor.
                using var stream = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
                if (!FileLock.TryLockExclusive(stream.SafeFileHandle))
                {
                    continue;
                }

                // The lock file goes last, while still locked: see the remarks.
                (int f, long b) = DeleteTree(directory);
                files += f;
                bytes += b;
                File.Delete(lockPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, not ours, or a file system without locks (where nothing can be told apart).
            }
        }

        // A directory without its lock file is what a sweep interrupted between the two deletes left.
        foreach (string directory in Safe(() => Directory.GetDirectories(Root)))
        {
            if (directory != own && !File.Exists(directory + LockSuffix))
            {
                (int f, long b) = DeleteTree(directory);
                files += f;
                bytes += b;
            }
        }

        return (files, bytes);
    }

    /// <summary>Deletes this process's directory (and whatever is still staged in it) and releases its lock.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_own is null)
            {
                return;
            }

            DeleteTree(_own);
            try
            {
                File.Delete(_own + LockSuffix);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The next start's sweep gets it.
            }

            _lockFile?.Dispose();
            _own = null;
        }
    }

    private string EnsureOwnDirectory()
    {
        lock (_lock)
        {
            if (_own is not null)
            {
                return _own;
            }

            Directory.CreateDirectory(Root, OwnerOnly);
            SweepAbandoned();
            while (true)
            {
                string directory = Path.Combine(Root, Guid.NewGuid().ToString("N"));
                var stream = new FileStream(directory + LockSuffix, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.ReadWrite,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                if (TryLock(stream) && File.Exists(directory + LockSuffix))
                {
                    Directory.CreateDirectory(directory, OwnerOnly);
                    _lockFile = stream;
                    _own = directory;
                    return directory;
                }

                // Another process's sweep took the new lock file before this process locked it: take another name.
                stream.Dispose();
            }
        }
    }

    private static bool TryLock(FileStream stream)
    {
        try
        {
            return FileLock.TryLockExclusive(stream.SafeFileHandle);
        }
        catch (IOException)
        {
            // No locks on this file system: sweeps cannot lock either, so they leave the directory alone.
            return true;
        }
    }

    private static (int Files, long Bytes) DeleteTree(string directory)
    {
        int files = 0;
        long bytes = 0;
        try
        {
            foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
            {
                files++;
                bytes += file.Length;
            }

            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Already gone, or in use on a file system without locks: left for a later sweep.
        }

        return (files, bytes);
    }

    private static string[] Safe(Func<string[]> list)
    {
        try
        {
            return list();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
