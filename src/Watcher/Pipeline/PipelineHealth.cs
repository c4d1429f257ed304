using System.Collections.Concurrent;

namespace Watcher.Pipeline;

/// <summary>
/// Liveness of the long-running loops (the inotify reader, the planner, each cache's scheduler), for
/// the systemd watchdog: a loop registers when it starts and unregisters only by ending, so a crashed
/// or finished loop stops the pings.
/// </summary>
internal sealed class PipelineHealth(TimeProvider timeProvider)
{
    public const string InotifyComponent = "inotify";
    public const string PlannerComponent = "planner";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _alive = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _expected = new(StringComparer.Ordinal);

    /// <summary>Declares a component the watchdog waits for.</summary>
    public void Expect(string component) => _expected[component] = 0;

    public void Beat(string component) => _alive[component] = timeProvider.GetUtcNow();

    public void Ended(string component) => _alive.TryRemove(component, out _);

    /// <summary>True when every expected component is running.</summary>
    public bool AllAlive => _expected.Keys.All(_alive.ContainsKey);

    public IReadOnlyCollection<string> Missing => _expected.Keys.Where(c => !_alive.ContainsKey(c)).ToList();
}
