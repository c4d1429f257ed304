namespace Watcher.Caches;

/// <summary>Told by a cache's <see cref="CachePolicy"/> how its requests go: each attempt that ends, and the circuit breaker's state.</summary>
internal interface IRequestObserver
{
    /// <summary>The last failed attempt's message and when it ended, if any.</summary>
    (string Message, DateTimeOffset At)? LastError { get; }

    /// <summary>An attempt ended with an answer (of any kind): the cache is moving.</summary>
    void Progressed(DateTimeOffset at);

    /// <summary>An attempt failed.</summary>
    void Failed(string message, DateTimeOffset at);

    /// <summary>The circuit breaker opened (until <paramref name="pausedUntil"/>), half-opened or closed.</summary>
    void CircuitChanged(CircuitState state, DateTimeOffset? pausedUntil = null);
}
