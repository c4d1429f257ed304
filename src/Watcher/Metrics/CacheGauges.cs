namespace Watcher.Metrics;

/// <summary>One cache's gauge values at collection time.</summary>
internal readonly record struct CacheGauges(string Cache, long Pending, long DeadLetters, bool CircuitOpen, DateTimeOffset? LastSuccess);
