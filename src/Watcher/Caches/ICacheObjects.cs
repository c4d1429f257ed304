namespace Watcher.Caches;

/// <summary>
/// The objects of a <c>file</c> or <c>s3</c> cache as plain keys, for <c>verify</c> and <c>gc</c>: list, stat, read,
/// delete and refresh. Keys are relative to the cache root: <c>&lt;hash&gt;.narinfo</c>, <c>nar/&lt;filehash&gt;.nar.zst</c>.
/// </summary>
internal interface ICacheObjects : IDisposable
{
    /// <summary>The cache's name in the config.</summary>
    string Name { get; }

    /// <summary>Where the cache is, for messages (never a credential).</summary>
    string Where { get; }

    /// <summary>Every object, streamed: one page (or one directory) at a time.</summary>
    IAsyncEnumerable<CacheObject> ListAsync(CancellationToken cancellationToken);

    /// <summary>The object's size and last-modified time as of now, or <see langword="null"/> when it does not exist.</summary>
    Task<CacheObject?> StatAsync(string key, CancellationToken cancellationToken);

    /// <summary>Opens the object for reading, or returns <see langword="null"/> when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes the object; deleting one that is already gone is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Sets the object's last-modified time to now without changing its bytes, so <c>gc</c> sees it as in use.</summary>
    Task<RefreshOutcome> RefreshAsync(string key, CancellationToken cancellationToken);

    /// <summary>The identity of <c>nix-cache-info</c>, or <see langword="null"/> when it does not exist.</summary>
    Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken);
}
