namespace Watcher.Hosting;

/// <summary>One cache in a <see cref="StatusReport"/>; the live fields are null when no daemon answered.</summary>
/// <param name="Name">The cache's name in the configuration.</param>
/// <param name="Type">file, s3 or attic.</param>
/// <param name="Pending">Paths journaled for it and not pushed yet.</param>
/// <param name="InFlight">NARs going up now (live).</param>
/// <param name="Circuit">closed, open or half-open (live).</param>
/// <param name="PausedUntil">While the circuit is open: when the next trial request may go (live).</param>
/// <param name="LastSuccess">When a path was last pushed to it (live: since the daemon started).</param>
/// <param name="LastError">The last error (live).</param>
/// <param name="LastErrorAt">When it happened (live).</param>
/// <param name="DeadLetterCount">Paths that failed for good until retried.</param>
/// <param name="DeadLetters">The oldest of them, at most <see cref="StatusReport.ListedDeadLetters"/>.</param>
/// <param name="PathsPerMinute">Paths pushed per minute over the last five minutes (live).</param>
/// <param name="OldestPending">When the longest-waiting pending path was journaled; null when nothing is pending.</param>
/// <param name="OldestPendingAgeSeconds">How long that path had waited when the report was made.</param>
/// <param name="UploadLimit">The cache's own <c>max-upload-rate</c> in force (live; null for file caches).</param>
internal sealed record CacheStatus(
    string Name,
    string Type,
    long Pending,
    int InFlight,
    string? Circuit,
    DateTimeOffset? PausedUntil,
    DateTimeOffset? LastSuccess,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int DeadLetterCount,
    IReadOnlyList<DeadLetterStatus> DeadLetters,
    double? PathsPerMinute = null,
    DateTimeOffset? OldestPending = null,
    double? OldestPendingAgeSeconds = null,
    RateLimitStatus? UploadLimit = null);
