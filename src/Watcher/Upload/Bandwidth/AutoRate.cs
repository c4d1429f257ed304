namespace Watcher.Upload.Bandwidth;

/// <summary>
/// <c>max-upload-rate = "auto"</c>: a rate that yields to other traffic on the uplink, after LEDBAT (RFC 6817). The
/// round trips of Watcher's own small requests while it uploads are the signal: the lowest one seen lately is the
/// path's base delay, and what a recent one takes beyond it is the queue building up in front of the uplink (the
/// modem's buffer). Below <see cref="Target"/> of queueing the rate goes up; above it, down in proportion.
/// </summary>
/// <remarks>
/// <para>The current delay is the lowest of the last <see cref="CurrentSamples"/> samples, so one slow answer from the
/// server does not count as a queue. The base delay is the lowest of per-minute minima over
/// <see cref="BaseHistory"/> minutes, so a route that changes is followed within that time.</para>
/// <para>The rate moves at most once per <see cref="UpdateInterval"/>: up by up to a twentieth of itself (at least
/// <see cref="MinStep"/>) as the queue falls below the target, down by a tenth for each target's worth of queue
/// above it, by half at most. Gentle steps both ways keep the rate near what the line sustains instead of swinging
/// between a full buffer and an idle line (halving at twice the target, as first tried, left the line idle half the
/// time in bench/auto.sh). It never goes below <see cref="MinRate"/>.</para>
/// </remarks>
internal sealed class AutoRate
{
    /// <summary>The queueing delay aimed at: enough to keep the uplink busy, small beside a call's budget.</summary>
    public static readonly TimeSpan Target = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the rate may change.</summary>
    public static readonly TimeSpan UpdateInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The rate it starts at, and the least it goes down to.</summary>
    public const long StartRate = 256 << 10;

    public const long MinRate = 64 << 10;

    public const long MaxRate = 1L << 30;

    public const long MinStep = 32 << 10;

    public const int CurrentSamples = 2;

    public const int BaseHistory = 10;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Delays> _sources = new(StringComparer.Ordinal);
    private long _lastUpdate;
    private double _rate = StartRate;

    public AutoRate(TimeProvider time)
    {
        _time = time;
        _lastUpdate = time.GetTimestamp();
    }

    /// <summary>The rate to send at now, in bytes per second.</summary>
    public long Rate
    {
        get
        {
            lock (_lock)
            {
                return (long)_rate;
            }
        }
    }

    /// <summary>The queueing delay of the last sample (the current delay over the base delay).</summary>
    public TimeSpan QueueingDelay { get; private set; }

    /// <summary>
    /// Takes one round trip of a small request to <paramref name="server"/> (each server has its own base delay);
    /// returns the new rate when it changed, else null.
    /// </summary>
    public long? Sample(string server, TimeSpan roundTrip)
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            if (!_sources.TryGetValue(server, out Delays? delays))
            {
                delays = new Delays();
                _sources[server] = delays;
            }

            QueueingDelay = delays.Add(_time.GetUtcNow().ToUnixTimeSeconds() / 60, roundTrip);
            if (_time.GetElapsedTime(_lastUpdate, now) < UpdateInterval)
            {
                return null;
            }

            _lastUpdate = now;
            double offTarget = (Target - QueueingDelay) / Target;
            _rate = offTarget >= 0
                ? _rate + (Math.Max(_rate / 20, MinStep) * offTarget)
                : _rate * (1 + (Math.Max(offTarget, -5) / 10));
            _rate = Math.Clamp(_rate, MinRate, MaxRate);
            return (long)_rate;
        }
    }

    /// <summary>The delays seen to one server.</summary>
    private sealed class Delays
    {
        private readonly Queue<TimeSpan> _recent = new();
        private readonly LinkedList<(long Minute, TimeSpan Min)> _base = new();

        /// <summary>Adds a round trip; returns the queueing delay (the current delay over the base delay).</summary>
        public TimeSpan Add(long minute, TimeSpan roundTrip)
        {
            if (_base.Last is { } last && last.Value.Minute == minute)
            {
                last.Value = (minute, roundTrip < last.Value.Min ? roundTrip : last.Value.Min);
            }
            else
            {
                _base.AddLast((minute, roundTrip));
                while (_base.First!.Value.Minute <= minute - BaseHistory)
                {
                    _base.RemoveFirst();
                }
            }

            _recent.Enqueue(roundTrip);
            while (_recent.Count > CurrentSamples)
            {
                _recent.Dequeue();
            }

            return _recent.Min() - _base.Min(entry => entry.Min);
        }
    }
}
