using Watcher.Config;

namespace Watcher.Caches.Bandwidth;

/// <summary>
/// One <c>max-upload-rate</c> in force: a <see cref="TokenBucket"/> whose rate follows a <see cref="RateSchedule"/>
/// in local time (<see cref="TimeProvider.LocalTimeZone"/>), changed at each entry of a timetable by a timer.
/// </summary>
/// <remarks>
/// The timer is armed for the next entry, but never further than <see cref="Recheck"/> ahead: the wall clock can jump
/// (a daylight-saving change, a suspended laptop), and the rate is then put right within that time.
/// </remarks>
internal sealed class ScheduledLimit : IDisposable
{
    /// <summary>How long the timer may sleep before looking at the local time again.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromMinutes(15);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private RateSchedule _schedule;
    private AutoRate? _auto;

    public ScheduledLimit(TimeProvider time, RateSchedule schedule)
    {
        _time = time;
        _schedule = schedule;
        Bucket = new TokenBucket(time);
        _timer = time.CreateTimer(_ => Apply(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Apply();
    }

    /// <summary>The bucket upload bodies take from.</summary>
    public TokenBucket Bucket { get; }

    /// <summary>The schedule being followed.</summary>
    public RateSchedule Schedule
    {
        get
        {
            lock (_lock)
            {
                return _schedule;
            }
        }
    }

    /// <summary>The clock the limit runs on.</summary>
    public TimeProvider Time => _time;

    /// <summary>Whether the rate follows the uplink's queue (<c>"auto"</c>).</summary>
    public bool IsAuto => Volatile.Read(ref _auto) is not null;

    /// <summary>The rate in force now, in bytes per second; <see langword="null"/> for no limit.</summary>
    public long? Current => Bucket.Rate;

    /// <summary>The next entry of a timetable, with when it starts (local time); null when the rate never changes.</summary>
    public RateChange? NextChange => Schedule.NextChange(LocalTime());

    /// <summary>Follows <paramref name="schedule"/> from now on; uploads in progress carry on at the new rate.</summary>
    public void Set(RateSchedule schedule)
    {
        lock (_lock)
        {
            _schedule = schedule;
        }

        Apply();
    }

    /// <summary>Takes the round trip of a small request to <paramref name="server"/> while uploading (for <c>"auto"</c>).</summary>
    public void Observe(string server, TimeSpan roundTrip)
    {
        if (Volatile.Read(ref _auto)?.Sample(server, roundTrip) is { } rate)
        {
            Bucket.SetRate(rate);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Bucket.Dispose();
    }

    private void Apply()
    {
        lock (_lock)
        {
            TimeOnly now = LocalTime();
            if (_schedule.IsAuto)
            {
                _auto ??= new AutoRate(_time);
                Bucket.SetRate(_auto.Rate);
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                return;
            }

            _auto = null;
            Bucket.SetRate(_schedule.RateAt(now));
            if (_schedule.NextChange(now) is { } next)
            {
                TimeSpan until = next.At - now;
                _timer.Change(until > Recheck ? Recheck : until, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private TimeOnly LocalTime() => TimeOnly.FromDateTime(_time.GetLocalNow().DateTime);
}
