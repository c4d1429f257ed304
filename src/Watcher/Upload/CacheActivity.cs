namespace Watcher.Upload;

/// <summary>Whether a cache's circuit breaker lets requests through.</summary>
internal enum CircuitState
{
    /// <summary>Requests flow.</summary>
    Closed,

    /// <summary>The cache failed repeatedly; requests are refused until <see cref="CacheActivity.PausedUntil"/>.</summary>
    Open,

    /// <summary>One trial request is allowed through to see whether the cache is back.</summary>
    HalfOpen,
}

/// <summary>
/// What one cache is doing right now (uploads in flight, last success, last error, breaker state),
/// for <c>nix-watcher status</c>, the metrics gauges and the watchdog. Updated by <see cref="MeteredCache"/> and the cache's
/// <see cref="Resilience.CachePolicy"/>.
/// </summary>
internal sealed class CacheActivity
{
    private readonly Lock _lock = new();
    private int _inFlight;
    private DateTimeOffset? _lastSuccess;
    private (string Message, DateTimeOffset At)? _lastError;
    private CircuitState _circuit;
    private DateTimeOffset? _pausedUntil;
    private long _lastProgressTicks;

    public int InFlight => Volatile.Read(ref _inFlight);

    public DateTimeOffset? LastSuccess
    {
        get
        {
            lock (_lock)
            {
                return _lastSuccess;
            }
        }
    }

    public (string Message, DateTimeOffset At)? LastError
    {
        get
        {
            lock (_lock)
            {
                return _lastError;
            }
        }
    }

    public CircuitState Circuit
    {
        get
        {
            lock (_lock)
            {
                return _circuit;
            }
        }
    }

    /// <summary>While the circuit is open: when the next trial request may go.</summary>
    public DateTimeOffset? PausedUntil
    {
        get
        {
            lock (_lock)
            {
                return _circuit == CircuitState.Open ? _pausedUntil : null;
            }
        }
    }

    /// <summary>When a request attempt last ended or NAR bytes last moved: what the watchdog calls progress.</summary>
    public DateTimeOffset? LastProgress => Interlocked.Read(ref _lastProgressTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Records progress (an attempt ended, bytes moved); cheap enough for every buffer written.</summary>
    public void Progressed(DateTimeOffset at) => Interlocked.Exchange(ref _lastProgressTicks, at.UtcTicks);

    public void UploadStarted() => Interlocked.Increment(ref _inFlight);

    public void UploadEnded() => Interlocked.Decrement(ref _inFlight);

    public void Succeeded(DateTimeOffset at)
    {
        lock (_lock)
        {
            _lastSuccess = at;
        }
    }

    public void Failed(string message, DateTimeOffset at)
    {
        lock (_lock)
        {
            _lastError = (message, at);
        }
    }

    public void CircuitChanged(CircuitState state, DateTimeOffset? pausedUntil = null)
    {
        lock (_lock)
        {
            _circuit = state;
            _pausedUntil = pausedUntil;
        }
    }
}
