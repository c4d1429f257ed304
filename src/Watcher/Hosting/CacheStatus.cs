namespace Watcher.Hosting;

/// <summary>One cache in a <see cref="StatusReport"/>; the live fields are null when no daemon answered.</summary>
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
    IReadOnlyList<DeadLetterStatus> DeadLetters);
