namespace Watcher.Metrics;

/// <summary>One upload limit in force at collection time.</summary>
/// <param name="Cache">The cache whose own limit it is; null for the limit of all caches together.</param>
/// <param name="BytesPerSecond">The rate in force; null for no limit.</param>
internal readonly record struct RateLimitGauge(string? Cache, long? BytesPerSecond);
