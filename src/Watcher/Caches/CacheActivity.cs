using System.Collections.Concurrent;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>
/// What one cache is doing right now (uploads in flight and their bytes, last success and the recent rate, last
/// error, breaker state), for <c>nix-watcher status</c>, the live display of the one-shot commands, the metrics gauges
/// and the watchdog. Updated by <see cref="MeteredCache"/> and the cache's <c>CachePolicy</c>.
/// </summary>
internal sealed class CacheActivity : IRequestObserver
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<NarUpload, byte> _uploads = new();
    private readonly PushRate _rate = new();
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

    /// <summary>The NARs going up now.</summary>
    public IReadOnlyList<NarUpload> Uploads => [.. _uploads.Keys];

    /// <summary>Records that the NAR of <paramref name="info"/> starts going up; pass the result to <see cref="UploadEnded"/>.</summary>
    public NarUpload UploadStarted(PathInfo info)
    {
        var upload = new NarUpload(info.Path, info.NarSize);
        _uploads[upload] = 0;
        Interlocked.Increment(ref _inFlight);
        return upload;
    }

    public void UploadEnded(NarUpload upload)
    {
        _uploads.TryRemove(upload, out _);
        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>Records that a path was published to the cache at <paramref name="at"/>.</summary>
    public void Succeeded(DateTimeOffset at)
    {
        lock (_lock)
        {
            _lastSuccess = at;
            _rate.Add(at);
        }
    }

    /// <summary>Paths published per minute over the <see cref="PushRate.Window"/> that ends at <paramref name="now"/>.</summary>
    public double PathsPerMinute(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _rate.PerMinute(now);
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
