using Amazon.S3;
using Watcher.Config;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <summary>
/// The objects of an <c>s3</c> cache for maintenance (gc, verify, refreshes), through the requests of its
/// <see cref="S3Bucket"/>: the same client, policy and multipart journal the push uses when the cache is running.
/// </summary>
internal sealed class S3CacheObjects : ICacheObjects
{
    /// <summary>The largest object a rewrite holds in memory (narinfos are a few hundred bytes); larger ones go through a temporary file.</summary>
    public const long MaxRewriteBytes = 1 << 20;

    private readonly S3Bucket _bucket;

    /// <param name="name">The cache's name.</param>
    /// <param name="bucket">Its bucket, disposed with these objects.</param>
    public S3CacheObjects(string name, S3Bucket bucket)
    {
        Name = name;
        _bucket = bucket;
    }

    public string Name { get; }

    public string Where => _bucket.Where;

    /// <summary>The objects of a cache over a bucket of their own, for a command that pushes nothing (no multipart journal).</summary>
    public static S3CacheObjects Open(S3CacheOptions options, IAmazonS3 client, IRequestPolicy policy, TimeProvider time, ILogger logger) =>
        new(options.Name, new S3Bucket(options, client, policy, NoMultipartJournal.Instance, time, logger));

    public IAsyncEnumerable<CacheObject> ListAsync(CancellationToken cancellationToken) => _bucket.ListAsync(cancellationToken);

    public Task<CacheObject?> StatAsync(string key, CancellationToken cancellationToken) => _bucket.StatAsync(key, cancellationToken);

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) => _bucket.OpenReadAsync(key, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => _bucket.DeleteAsync(key, cancellationToken);

    /// <remarks>
    /// A copy onto itself with replaced metadata is S3's way to touch an object: the bytes stay, the last-modified
    /// time moves, and a copy of an object that was deleted meanwhile fails instead of bringing it back. Some servers
    /// keep the old time (MinIO before late 2023, Ceph RGW's standalone drivers) or cannot copy an object onto itself
    /// (s3rver); then the object is written again with the same bytes, a NAR too (never reported gone for it).
    /// </remarks>
    public async Task<RefreshOutcome> RefreshAsync(string key, CancellationToken cancellationToken)
    {
        var head = await _bucket.HeadAsync(key, cancellationToken);
        if (head is null)
        {
            return RefreshOutcome.Missing;
        }

        var before = S3Bucket.ToOffset(head.LastModified);
        if (await _bucket.CopyOntoItselfAsync(key, head.Headers.ContentType, before, cancellationToken) is { } copied)
        {
            return copied;
        }

        var again = await StatAsync(key, cancellationToken);
        if (again is null)
        {
            return RefreshOutcome.Missing;
        }

        if (again.LastModified > before)
        {
            return RefreshOutcome.Refreshed;
        }

        return await RewriteAsync(key, head.ContentLength, head.Headers.ContentType, cancellationToken);
    }

    public async Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken)
    {
        var head = await _bucket.HeadAsync(CacheKeys.CacheInfoKey, cancellationToken);
        return head is null ? null : new CacheInfoIdentity(S3Bucket.ToOffset(head.LastModified), head.ETag ?? string.Empty);
    }

    public void Dispose() => _bucket.Dispose();

    /// <summary>
    /// Writes an object again with its own bytes (another writer's rewrite in between writes the same document): a small
    /// one from memory, a larger one from a temporary file as an upload goes (Content-MD5, in parts when large and
    /// journaled while open, what the server stored checked). A NAR whose time the server would not move is refreshed,
    /// not reported gone and uploaded again from the store.
    /// </summary>
    private async Task<RefreshOutcome> RewriteAsync(string key, long size, string contentType, CancellationToken cancellationToken)
    {
        bool small = size <= MaxRewriteBytes;
        string? file = small ? null : Path.Combine(Path.GetTempPath(), $"nix-watcher-rewrite-{Guid.NewGuid():N}");
        try
        {
            await using Stream buffer = small
                ? new MemoryStream()
                : new FileStream(file!, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            long? read = await _bucket.ReadToAsync(key, buffer, cancellationToken);
            if (read is null)
            {
                return RefreshOutcome.Missing;
            }

            if (read != size)
            {
                throw new CacheUploadException($"{Where}: rewriting {key}: read {read} of its {size} bytes", FailureReason.Damaged);
            }

            // Not brought back if it was deleted while it was read: the window is one request, and gc reads the
            // last-modified time again before each delete.
            if (await _bucket.HeadAsync(key, cancellationToken) is null)
            {
                return RefreshOutcome.Missing;
            }

            if (buffer is MemoryStream memory)
            {
                await _bucket.PutBytesAsync(key, memory.ToArray(), contentType, cancellationToken);
            }
            else
            {
                await buffer.DisposeAsync();
                await _bucket.PutFileAsync(key, file!, contentType, cancellationToken);
            }

            return RefreshOutcome.Refreshed;
        }
        finally
        {
            if (file is not null)
            {
                File.Delete(file);
            }
        }
    }
}
