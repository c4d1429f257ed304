namespace Watcher.Caches;

/// <summary>
/// How many paths a cache got over the last few minutes, counted in ten-second buckets: the memory stays the same
/// whatever the rate, and the window's edge is exact to a bucket.
/// </summary>
/// <remarks>Not thread-safe: <see cref="CacheActivity"/> calls it under its lock.</remarks>
internal sealed class PushRate
{
    /// <summary>The window <see cref="PerMinute"/> averages over.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private const int BucketSeconds = 10;
    private static readonly int Buckets = (int)(Window.TotalSeconds / BucketSeconds);

    private readonly long[] _bucketOf = new long[Buckets];
    private readonly int[] _counts = new int[Buckets];

    /// <summary>Counts one path at <paramref name="at"/>.</summary>
    public void Add(DateTimeOffset at)
    {
        long bucket = BucketOf(at);
        int slot = (int)(bucket % Buckets);
        if (_bucketOf[slot] != bucket)
        {
            _bucketOf[slot] = bucket;
            _counts[slot] = 0;
        }

        _counts[slot]++;
    }

    /// <summary>Paths per minute over the <see cref="Window"/> that ends at <paramref name="now"/>.</summary>
    public double PerMinute(DateTimeOffset now)
    {
        long newest = BucketOf(now);
        long total = 0;
        for (int slot = 0; slot < Buckets; slot++)
        {
            if (_counts[slot] > 0 && _bucketOf[slot] > newest - Buckets && _bucketOf[slot] <= newest)
            {
                total += _counts[slot];
            }
        }

        return total / Window.TotalMinutes;
    }

    private static long BucketOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / BucketSeconds;
}
