namespace Watcher.Upload.Bandwidth;

/// <summary>
/// What the upload bodies of one cache take from: its own limit (if it has one) and the limit of all caches together.
/// Under <c>"auto"</c> it also collects the round trips of the cache's small requests (<see cref="Observe"/>).
/// </summary>
internal sealed class UploadThrottle
{
    /// <summary>How many bytes are written to the socket at a time under a limit: small enough to keep the rate even.</summary>
    public const int ChunkSize = 16 << 10;

    /// <summary>Under <c>"auto"</c>, how often an upload in progress sends a probe when no small request gave a round trip.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);

    private long _lastSample;

    public UploadThrottle(ScheduledLimit? cache, ScheduledLimit? global)
    {
        Cache = cache;
        Global = global;
    }

    /// <summary>The cache's own limit.</summary>
    public ScheduledLimit? Cache { get; }

    /// <summary>The limit of all caches together.</summary>
    public ScheduledLimit? Global { get; }

    /// <summary>Whether either limit is <c>"auto"</c>, and so wants round trips.</summary>
    public bool IsAuto => Cache?.IsAuto == true || Global?.IsAuto == true;

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

    /// <summary>Takes the round trip of a small request to <paramref name="server"/>.</summary>
    public void Observe(string server, TimeSpan roundTrip)
    {
        if (Clock is { } time)
        {
            Volatile.Write(ref _lastSample, time.GetTimestamp());
        }

        Cache?.Observe(server, roundTrip);
        Global?.Observe(server, roundTrip);
    }

    /// <summary>Whether an upload should send a probe now: <c>"auto"</c> is on and no round trip came for a while.</summary>
    public bool ProbeDue()
    {
        if (!IsAuto || Clock is not { } time)
        {
            return false;
        }

        long last = Volatile.Read(ref _lastSample);
        long now = time.GetTimestamp();
        return time.GetElapsedTime(last, now) >= ProbeInterval && Interlocked.CompareExchange(ref _lastSample, now, last) == last;
    }

    private TimeProvider? Clock => (Cache ?? Global)?.Time;
}
