namespace Watcher.Caches;

/// <summary>Whether a cache's circuit breaker lets requests through.</summary>
internal enum CircuitState
{
    /// <summary>Requests flow.</summary>
    Closed,

    /// <summary>The cache failed repeatedly; requests are refused until the pause ends.</summary>
    Open,

    /// <summary>One trial request is allowed through to see whether the cache is back.</summary>
    HalfOpen,
}
