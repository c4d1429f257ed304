namespace Watcher.Metrics;

/// <summary>One cache's gauge values at collection time.</summary>
/// <param name="Cache">The cache name (the <c>cache</c> tag).</param>
/// <param name="Pending">Paths journaled and waiting.</param>
/// <param name="DeadLetters">Paths refused for good or out of retries.</param>
/// <param name="CircuitOpen">Whether the cache's breaker has paused it.</param>
/// <param name="LastSuccess">The last successful publish; null before the first.</param>
/// <param name="OldestPending">When the longest-waiting pending path was journaled; null when nothing is pending.</param>
/// <param name="Problems">What the last scheduled collection's check found; null before the first (or without retention).</param>
internal readonly record struct CacheGauges(string Cache, long Pending, long DeadLetters, bool CircuitOpen, DateTimeOffset? LastSuccess, DateTimeOffset? OldestPending = null, int? Problems = null);
