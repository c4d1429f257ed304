namespace Watcher.Caches;

/// <summary>
/// Tells one <c>nix-cache-info</c> object from a later one with the same name: when a bucket or directory is wiped
/// and the file written again, its identity changes, and a writer's record of what the cache holds is stale.
/// </summary>
/// <param name="LastModified">The object's last-modified time.</param>
/// <param name="Tag">The S3 ETag, or for a file its size and change time: whatever else the store reports.</param>
internal sealed record CacheInfoIdentity(DateTimeOffset LastModified, string Tag);
