using System.Globalization;
using Microsoft.Extensions.Time.Testing;

namespace Watcher.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that knows which of its timers are armed (due to fire, not yet fired, changed to
/// never or disposed), so that a test moves the clock only once the code under test waits on it.
/// </summary>
/// <remarks>
/// Moving a fake clock before the code has armed its timer moves it for nothing: the timer, armed later, then waits
/// for a step that never comes, or a later step fires it early. A real sleep "to let it get there" only makes that
/// rarer. <see cref="WaitForTimersAsync"/> waits on the timers themselves, as Polly's tests read their fake clock's
/// timer entries. A timer counts as armed only once the fake clock holds it, so a step taken after the wait fires it.
/// Where another timer may be armed at the same time (one about to be replaced, or a second service's),
/// <see cref="WaitForTimerAtAsync"/> names the one meant by when it is due.
/// </remarks>
internal sealed class ArmedTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Timer, DateTimeOffset> _armed = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ArmedTimeProvider()
    {
    }

    public ArmedTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>How many timers the fake clock would fire if moved far enough.</summary>
    public int ArmedTimers
    {
        get
        {
            lock (_gate)
            {
                return _armed.Count;
            }
        }
    }

    /// <summary>When the earliest armed timer fires; null when none is armed.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                return _armed.Count == 0 ? null : _armed.Values.Min();
            }
        }
    }

    /// <summary>Waits until a timer is armed, then moves the clock to when the earliest one fires.</summary>
    public async Task<TimeSpan> AdvanceToNextTimerAsync()
    {
        await WaitForTimersAsync();
        var by = NextDue!.Value - GetUtcNow();
        Advance(by);
        return by;
    }

    /// <summary>Moves the clock on to each timer in turn, once it is armed, until <paramref name="done"/> has completed.</summary>
    public async Task RunTimersUntilAsync(Task done)
    {
        while (true)
        {
            await WaitForTimersOrAsync(done);
            if (done.IsCompleted)
            {
                return;
            }

            if (NextDue is { } due)
            {
                Advance(due > GetUtcNow() ? due - GetUtcNow() : TimeSpan.Zero);
            }
        }
    }

    /// <summary>Waits (in real time, at most <see cref="Poll.Bound"/>) until at least <paramref name="count"/> timers are armed.</summary>
    public Task WaitForTimersAsync(int count = 1) =>
        WaitForAsync(due => due.Count >= count, $"{count} armed timer(s)");

    /// <summary>
    /// Waits until at least <paramref name="count"/> timers are armed or <paramref name="done"/> completed, whichever
    /// comes first: for code that either waits on the clock again or ends.
    /// </summary>
    public Task WaitForTimersOrAsync(Task done, int count = 1) =>
        WaitForAsync(due => due.Count >= count, $"{count} armed timer(s) or the end", done);

    /// <summary>Waits until a timer is armed to fire at <paramref name="at"/> on this clock.</summary>
    public Task WaitForTimerAtAsync(DateTimeOffset at) =>
        WaitForAsync(due => due.Contains(at), $"a timer due at {at:O}");

    /// <summary>Waits until <paramref name="count"/> timers are armed, then moves the clock by <paramref name="by"/>.</summary>
    public async Task AdvanceWhenArmedAsync(TimeSpan by, int count = 1)
    {
        await WaitForTimersAsync(count);
        Advance(by);
    }

    private async Task WaitForAsync(Func<ICollection<DateTimeOffset>, bool> armed, string what, Task? done = null)
    {
        while (done is not { IsCompleted: true })
        {
            Task changed;
            lock (_gate)
            {
                if (armed(_armed.Values))
                {
                    return;
                }

                changed = _changed.Task;
            }

            try
            {
                await (done is null ? changed : Task.WhenAny(changed, done)).WaitAsync(Poll.Bound, TestContext.Current.CancellationToken);
            }
            catch (TimeoutException)
            {
                lock (_gate)
                {
                    Assert.Fail($"the code under test did not reach {what} on the fake clock within {Poll.Bound.TotalSeconds} s; armed: [{string.Join(", ", _armed.Values.Select(d => d.ToString("O", CultureInfo.InvariantCulture)))}]");
                }
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this);
        long version = timer.Begin();
        timer.Inner = base.CreateTimer(
            s =>
            {
                timer.Fired();
                callback(s);
            },
            state,
            dueTime,
            period);
        timer.End(version, dueTime, period);
        return timer;
    }

    /// <summary>Arms <paramref name="timer"/> to fire at <paramref name="due"/>, or disarms it (null), and signals waiters.</summary>
    private void Set(Timer timer, DateTimeOffset? due)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (due is { } at)
            {
                _armed[timer] = at;
            }
            else if (!_armed.Remove(timer))
            {
                return;
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
    }

    /// <summary>
    /// Forwards to the fake clock's own timer. Each change bumps a version; a change marks the timer armed only if
    /// nothing (a firing on another thread, or at once for a zero due time) happened to it in between, so the count
    /// never holds a timer that has already fired, without holding a lock while the fake clock runs callbacks.
    /// </summary>
    private sealed class Timer(ArmedTimeProvider owner) : ITimer
    {
        private long _version;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public ITimer Inner { get; set; } = null!;

        public long Begin()
        {
            lock (owner._gate)
            {
                return ++_version;
            }
        }

        public void End(long version, TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (_version != version)
                {
                    return;
                }

                _period = period;
                owner.Set(this, dueTime == Timeout.InfiniteTimeSpan ? null : owner.GetUtcNow() + dueTime);
            }
        }

        public void Fired()
        {
            lock (owner._gate)
            {
                _version++;
                owner.Set(this, _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : owner.GetUtcNow() + _period);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            long version = Begin();
            bool changed = Inner.Change(dueTime, period);
            End(version, dueTime, period);
            return changed;
        }

        public void Dispose()
        {
            Begin();
            owner.Set(this, due: null);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
