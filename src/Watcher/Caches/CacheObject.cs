namespace Watcher.Caches;

/// <summary>One object of a cache: its key (the path below the cache root, <c>/</c>-separated), size and last-modified time.</summary>
internal sealed record CacheObject(string Key, long Size, DateTimeOffset LastModified);
