using System.Globalization;
using System.Runtime.CompilerServices;

namespace Watcher.Caches.Files;

/// <summary>The objects of a <c>file</c> cache: the files of its directory and of its <c>nar/</c> directory.</summary>
/// <remarks>
/// Last-modified is the file's mtime. The cache writes every file under a temporary name and renames it into
/// place, so a listed file is always complete; the temporary names (<c>.tmp-…</c>) are listed like any other file
/// and left to the caller to ignore.
/// </remarks>
internal sealed class FileCacheObjects(string name, string root, TimeProvider time) : ICacheObjects
{
    private const string NarDirectory = "nar";

    public string Name => name;

    public string Where => $"cache '{name}' (directory {root})";

    public async IAsyncEnumerable<CacheObject> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!Directory.Exists(root))
        {
            yield break;
        }

        foreach (var (directory, prefix) in ((string, string)[])[(root, string.Empty), (Path.Combine(root, NarDirectory), NarDirectory + "/")])
        {
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var file in new DirectoryInfo(directory).EnumerateFiles())
            {
                cancellationToken.ThrowIfCancellationRequested();
                CacheObject entry;
                try
                {
                    entry = new CacheObject(prefix + file.Name, file.Length, file.LastWriteTimeUtc);
                }
                catch (FileNotFoundException)
                {
                    // Renamed or deleted since the directory was read (a writer's temporary file, another gc).
                    continue;
                }

                yield return entry;
            }
        }
    }

    public Task<CacheObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        var file = new FileInfo(PathOf(key));
        return Task.FromResult(file.Exists ? new CacheObject(key, file.Length, file.LastWriteTimeUtc) : null);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            Stream stream = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 16, useAsync: true);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public Task<RefreshOutcome> RefreshAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            File.SetLastWriteTimeUtc(PathOf(key), time.GetUtcNow().UtcDateTime);
            return Task.FromResult(RefreshOutcome.Refreshed);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult(RefreshOutcome.Missing);
        }
    }

    public Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken)
    {
        var file = new FileInfo(Path.Combine(root, CacheKeys.CacheInfoKey));
        if (!file.Exists)
        {
            return Task.FromResult<CacheInfoIdentity?>(null);
        }

        // A file written again (temporary file and rename) has a new mtime and, where the file system records it, a new birth time.
        string tag = string.Create(CultureInfo.InvariantCulture, $"{file.Length}:{file.CreationTimeUtc.Ticks}");
        return Task.FromResult<CacheInfoIdentity?>(new CacheInfoIdentity(file.LastWriteTimeUtc, tag));
    }

    public void Dispose()
    {
    }

    /// <summary>The file of <paramref name="key"/>; keys come from listings and narinfo URLs, so anything leaving the root is refused.</summary>
    private string PathOf(string key)
    {
        string full = Path.GetFullPath(Path.Combine(root, key));
        string prefix = Path.GetFullPath(root).TrimEnd('/') + "/";
        return full.StartsWith(prefix, StringComparison.Ordinal)
            ? full
            : throw new ArgumentException($"'{key}' is not inside the cache directory {root}", nameof(key));
    }
}
