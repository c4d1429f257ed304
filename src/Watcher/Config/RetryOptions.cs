namespace Watcher.Config;

/// <summary>
/// The <c>[retry]</c> table (or a cache's <c>[caches.NAME.retry]</c>, key by key): how every request to a cache
/// is sent again. It is the only retry layer: parts, lookups and narinfos each get these attempts, and a path
/// whose request exhausts them becomes a dead letter.
/// </summary>
/// <remarks>
/// The defaults suit a home server behind a tunnel as well as S3: a failing request is tried for about two
/// minutes with growing, randomised pauses (so workers never retry in lockstep); a request held unanswered is
/// given up after seconds (lookups, small writes) or once its body stops moving (uploads), not after a fixed
/// total; a cache that keeps failing is paused by its circuit breaker instead, and its paths wait in the journal
/// without using up attempts.
/// </remarks>
internal sealed record RetryOptions
{
    /// <summary>The longest a server's <c>Retry-After</c> is honoured.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>How many times one request is sent, the first time included (<c>attempts</c>).</summary>
    /// <value>The default value is 8: with the delays below, about two minutes of trying.</value>
    public int Attempts { get; init; } = 8;

    /// <summary>The ceiling of the first pause, doubling per retry (<c>base-delay-ms</c>).</summary>
    /// <value>The default value is 1 s: a blip is retried at once, a real outage backs off quickly.</value>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>No pause between two sends is longer (<c>max-delay-ms</c>), unless the server's <c>Retry-After</c> asks for it.</summary>
    /// <value>The default value is 60 s.</value>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one attempt of a lookup or a small write may take (<c>timeout-ms</c>).</summary>
    /// <value>
    /// The default value is 10 s: such a request is answered in well under a second by a healthy server, even behind a
    /// tunnel; one that is held unanswered is given up and sent again instead of holding its path (and every path
    /// waiting for it) back for long.
    /// </value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a request with a body may go without a byte moving, the wait for its answer included (<c>stall-timeout-ms</c>).</summary>
    /// <value>The default value is 30 s: a slow uplink keeps moving bytes and is never cut off, a stalled connection is.</value>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest a repeatable request waits for its answer before an identical one is sent alongside (<c>Caches/Hedging.cs</c>).</summary>
    public TimeSpan HedgeDelay => Timeout / 5 < TimeSpan.FromSeconds(2) ? Timeout / 5 : TimeSpan.FromSeconds(2);
}
