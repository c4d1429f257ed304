using System.Collections.Concurrent;
using System.Globalization;

namespace Watcher.Core;

/// <summary>
/// The stages of the pipeline and their <see cref="StageMonitor"/>s, for the systemd watchdog, <c>/healthz</c> and
/// <c>status</c>: healthy while every stage runs and none is stuck. A crashed loop, or one that has had work
/// without progress for too long, stops the watchdog's pings, and systemd restarts the service; nothing is lost,
/// because the journal holds the work.
/// </summary>
internal sealed class PipelineHealth(TimeProvider timeProvider)
{
    public const string InotifyStage = "inotify";
    public const string PlannerStage = "planner";

    /// <summary>
    /// The default time a stage may have work without progress: above any wait it makes on purpose (a request's
    /// attempt timeout plus a backoff, a server's Retry-After of up to 5 min).
    /// </summary>
    public static readonly TimeSpan DefaultStuckAfter = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, StageMonitor> _stages = new(StringComparer.Ordinal);

    /// <summary>A cache's stage name; cache names have no spaces, so it never equals another stage's.</summary>
    public static string CacheStage(string cache) => "cache " + cache;

    /// <summary>Declares a stage the watchdog waits for (once; later calls return the same monitor).</summary>
    public StageMonitor Register(string name, TimeSpan? stuckAfter = null, Func<DateTimeOffset?>? progressElsewhere = null) =>
        _stages.GetOrAdd(name, n => new StageMonitor(n, stuckAfter ?? DefaultStuckAfter, timeProvider, progressElsewhere));

    /// <summary>Every stage's state, by name.</summary>
    public IReadOnlyList<StageHealth> Check() => [.. _stages.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => s.Check())];

    /// <summary>The stages that stop the watchdog (not running or stuck), empty when healthy.</summary>
    public IReadOnlyList<StageHealth> Problems() =>
        [.. Check().Where(s => s.State is StageState.NotRunning or StageState.Stuck)];

    /// <summary>"cache local: no progress for 16 min while it had work", "inotify: not running", "planner: working".</summary>
    public string Describe(StageHealth stage) => stage.State switch
    {
        StageState.Stuck when stage.Since is { } since =>
            string.Create(CultureInfo.InvariantCulture, $"{stage.Name}: no progress for {(timeProvider.GetUtcNow() - since).TotalMinutes:0} min while it had work"),
        StageState.NotRunning => $"{stage.Name}: not running",
        _ => $"{stage.Name}: {stage.State.ToString().ToLowerInvariant()}",
    };
}
