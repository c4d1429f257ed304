namespace Watcher.Upload.Resilience;

/// <summary>Retry, timeout and circuit-breaker settings shared by every cache.</summary>
/// <remarks>
/// The defaults suit a home server behind a tunnel as well as S3: a failing request is tried again
/// for a few minutes with growing, randomised pauses (so many workers never retry in lockstep), and
/// a cache that keeps failing is paused instead of being hammered.
/// </remarks>
internal sealed record ResilienceOptions
{
    /// <summary>
    /// For one-shot commands (<c>push</c>): a few quick retries so a blip does not fail the command, but
    /// a dead cache fails it within seconds instead of keeping the user waiting. No breaker.
    /// </summary>
    public static readonly ResilienceOptions OneShot = new()
    {
        MaxRetries = 3,
        MaxDelay = TimeSpan.FromSeconds(10),
        MaxRetryAfter = TimeSpan.FromSeconds(30),
        BreakerMinimumThroughput = int.MaxValue,
    };

    /// <value>The default value is 8: with the delays below, about four minutes of trying.</value>
    public int MaxRetries { get; init; } = 8;

    /// <value>The default value is 1 s: the ceiling of the first pause, doubling per retry.</value>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <value>The default value is 60 s: no pause between retries is longer.</value>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <value>The default value is 5 min: a server's <c>Retry-After</c> is honoured up to this.</value>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <value>The default value is 60 s: one small request (a lookup, a narinfo) that takes longer is given up and retried.</value>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <value>
    /// The default value is 256 KiB/s: a NAR upload attempt may take <see cref="RequestTimeout"/> plus its
    /// size at this rate (a 1 GiB NAR gets 69 min), so only a stalled upload times out, not a slow uplink.
    /// </value>
    public long SlowestUploadBytesPerSecond { get; init; } = 256 * 1024;

    /// <value>The default value is 4: one request with all its retries may take this many attempt timeouts.</value>
    public int BudgetInAttempts { get; init; } = 4;

    /// <value>The default value is 0.5: the breaker opens when half the requests in the sampling window fail…</value>
    public double BreakerFailureRatio { get; init; } = 0.5;

    /// <value>
    /// The default value is 6: …and at least this many were made. One upload retrying against a dead server
    /// makes six attempts in about 16 s, so even a single worker pauses the cache.
    /// </value>
    public int BreakerMinimumThroughput { get; init; } = 6;

    /// <value>The default value is 60 s: long enough to hold six backed-off attempts of one worker.</value>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromMinutes(1);

    /// <value>The default value is 15 s: the first pause; it doubles while trial requests keep failing.</value>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <value>The default value is 5 min: the longest pause before the next trial request.</value>
    public TimeSpan MaxBreakDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The attempt timeout for uploading a NAR of <paramref name="narSize"/> bytes.</summary>
    public TimeSpan UploadTimeout(long narSize) =>
        RequestTimeout + TimeSpan.FromSeconds((double)narSize / SlowestUploadBytesPerSecond);

    /// <summary>The attempt timeout for looking up <paramref name="count"/> paths (S3 asks once per path).</summary>
    public TimeSpan LookupTimeout(int count) => RequestTimeout + TimeSpan.FromMilliseconds(50.0 * count);
}
