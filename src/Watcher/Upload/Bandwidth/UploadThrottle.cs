namespace Watcher.Upload.Bandwidth;

/// <summary>
/// What the upload bodies of one cache take from: its own limit (if it has one) and the limit of all caches together.
/// </summary>
internal sealed class UploadThrottle
{
    /// <summary>How many bytes are written to the socket at a time under a limit: small enough to keep the rate even.</summary>
    public const int ChunkSize = 16 << 10;

    public UploadThrottle(ScheduledLimit? cache, ScheduledLimit? global)
    {
        Cache = cache;
        Global = global;
    }

    /// <summary>Neither limit: bodies go as fast as the link allows.</summary>
    public static UploadThrottle None { get; } = new(null, null);

    /// <summary>The cache's own limit.</summary>
    public ScheduledLimit? Cache { get; }

    /// <summary>The limit of all caches together.</summary>
    public ScheduledLimit? Global { get; }

    /// <summary>Waits until <paramref name="bytes"/> may go (or, with <paramref name="wait"/> false, only counts them).</summary>
    public async ValueTask AcquireAsync(int bytes, bool wait, CancellationToken cancellationToken)
    {
        if (Cache is { } cache)
        {
            await cache.Bucket.AcquireAsync(bytes, wait, cancellationToken);
        }

        if (Global is { } global)
        {
            await global.Bucket.AcquireAsync(bytes, wait, cancellationToken);
        }
    }
}
