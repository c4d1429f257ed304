namespace Watcher.Core;

/// <summary>
/// The liveness and progress of one long-running loop (the inotify reader, the planner, a cache's scheduler).
/// A loop says when it runs, when it has work and when it moves forward; it is stuck when it had work and did
/// not move for <see cref="StuckAfter"/>.
/// </summary>
/// <param name="name">The stage's name in <c>status</c> and logs.</param>
/// <param name="stuckAfter">How long the stage may have work without progress; longer than any wait it makes on purpose.</param>
/// <param name="time">The clock.</param>
/// <param name="progressElsewhere">Progress recorded outside the loop (bytes moving, attempts ending), if any.</param>
internal sealed class StageMonitor(string name, TimeSpan stuckAfter, TimeProvider time, Func<DateTimeOffset?>? progressElsewhere = null)
{
    private readonly Lock _lock = new();
    private bool _running;
    private DateTimeOffset? _workingSince;
    private DateTimeOffset? _lastProgress;

    public string Name => name;

    public TimeSpan StuckAfter => stuckAfter;

    public void Started()
    {
        lock (_lock)
        {
            _running = true;
        }
    }

    public void Ended()
    {
        lock (_lock)
        {
            _running = false;
            _workingSince = null;
        }
    }

    /// <summary>The stage has work from now on (a no-op while it already has).</summary>
    public void Working()
    {
        lock (_lock)
        {
            _workingSince ??= time.GetUtcNow();
        }
    }

    /// <summary>The stage has nothing to do, or waits on purpose.</summary>
    public void Idle()
    {
        lock (_lock)
        {
            _workingSince = null;
        }
    }

    /// <summary>The stage moved forward.</summary>
    public void Progressed()
    {
        lock (_lock)
        {
            _lastProgress = time.GetUtcNow();
        }
    }

    /// <summary>The state now and, while working, when the stage last moved.</summary>
    public StageHealth Check()
    {
        lock (_lock)
        {
            if (!_running)
            {
                return new StageHealth(name, StageState.NotRunning, null);
            }

            if (_workingSince is not { } working)
            {
                return new StageHealth(name, StageState.Idle, null);
            }

            var moved = Max(Max(working, _lastProgress), progressElsewhere?.Invoke());
            return new StageHealth(name, time.GetUtcNow() - moved > stuckAfter ? StageState.Stuck : StageState.Working, moved);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset? b) => b is { } v && v > a ? v : a;
}
