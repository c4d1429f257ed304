using System.Text.RegularExpressions;

namespace Watcher.Caches;

/// <summary>
/// The temporary files of a file cache: named <c>.nix-watcher-tmp-&lt;what&gt;-&lt;guid&gt;</c>, locked
/// (<see cref="FileLock"/>) by the process writing them until they are renamed into place, and swept at start when
/// no live process holds them.
/// </summary>
/// <remarks>
/// A writer killed with SIGKILL leaves its temporary file behind (a NAR can be hundreds of MB). Its lock went with
/// it, so the next start can tell it from a file another pusher of the same cache is writing at that moment, on this
/// machine or, where the file system passes <c>flock</c> on (NFS with a lock manager), on another. Names of earlier
/// versions (<c>.tmp-&lt;hash&gt;-&lt;guid&gt;</c>, never locked) are swept too: no current writer makes them.
/// </remarks>
internal static partial class CacheTempFiles
{
    public const string Prefix = ".nix-watcher-tmp-";

    /// <summary>A new temporary name in <paramref name="directory"/>; <paramref name="what"/> says what it becomes.</summary>
    public static string NewPath(string directory, string what) => Path.Combine(directory, $"{Prefix}{what}-{Guid.NewGuid():N}");

    /// <summary>Creates the file at <paramref name="path"/> (which must not exist) and locks it while the stream is open.</summary>
    /// <exception cref="IOException">A start-up sweep of another process took the new file.</exception>
    public static FileStream Create(string path)
    {
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        bool locked;
        try
        {
            locked = FileLock.TryLockExclusive(stream.SafeFileHandle);
        }
        catch (IOException)
        {
            // No locks on this file system: sweeps cannot take the lock either, so they leave the file alone.
            locked = true;
        }

        if (!locked)
        {
            // Another process's sweep opened the file in the moment between its creation and this lock.
            stream.Dispose();
            throw new IOException($"the new temporary file '{path}' was taken by another process's clean-up; the upload is retried");
        }

        return stream;
    }

    /// <summary>Deletes the temporary files in <paramref name="directory"/> that no live process holds.</summary>
    /// <returns>How many files were deleted and their size in bytes.</returns>
    public static (int Files, long Bytes) Sweep(string directory)
    {
        int files = 0;
        long bytes = 0;
        IEnumerable<string> names;
        try
        {
            names = Directory.EnumerateFiles(directory, ".*").ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (0, 0);
        }

        foreach (string path in names)
        {
            string name = Path.GetFileName(path);
            bool ours = name.StartsWith(Prefix, StringComparison.Ordinal);
            if ((ours || LegacyName().IsMatch(name)) && TryDeleteUnheld(path, ours) is { } size)
            {
                files++;
                bytes += size;
            }
        }

        return (files, bytes);
    }

    /// <summary>Deletes <paramref name="path"/> unless a live process holds its lock; returns its size, or null when kept.</summary>
    private static long? TryDeleteUnheld(string path, bool lockable)
    {
        try
        {
            // Opened for writing: NFS emulates flock with POSIX locks, and an exclusive one needs a writable descriptor.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
            if (lockable && !FileLock.TryLockExclusive(stream.SafeFileHandle))
            {
                return null;
            }

            // Deleted while locked: a writer that created the file a moment ago and only now tries its lock fails in
            // Create, rather than writing into a file that is gone.
            long size = stream.Length;
            File.Delete(path);
            return size;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone already, not ours to delete, or no locks on this file system (then nothing can be told apart).
            return null;
        }
    }

    /// <summary>Earlier versions' names: <c>.tmp-&lt;store hash&gt;-&lt;guid&gt;</c> for NARs, <c>.tmp-&lt;file&gt;-&lt;guid&gt;</c> for narinfos.</summary>
    [GeneratedRegex(@"^\.tmp-([0-9a-df-np-sv-z]{32}|[0-9a-df-np-sv-z]{32}\.narinfo|nix-cache-info)-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyName();
}
