using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Config;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.State;
using Watcher.Tests.Caches;
using Watcher.Tests.Metrics;
using Watcher.Tests.Store;

namespace Watcher.Tests.Pipeline;

/// <summary>One cache's scheduler over an in-memory store and cache, a real state in a temporary directory, and a fake clock.</summary>
internal sealed class SchedulerHarness : IAsyncDisposable
{
    public const string CacheName = "fake";

    private readonly string _dir = Directory.CreateTempSubdirectory("scheduler-test-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private Task? _run;

    public SchedulerHarness()
    {
        State = StateStore.Open(_dir);
        Health = new PipelineHealth(Time);
        Target = new CacheTarget(new FileCacheOptions { Name = CacheName, Path = _dir, SigningKeyFile = "/unused", Jobs = 4 }, Cache);
        Monitor = Health.Register(PipelineHealth.CacheStage(CacheName), progressElsewhere: () => Target.Activity.LastProgress);
    }

    public ArmedTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));

    public FakeStore Store { get; } = new();

    public FakeCache Cache { get; } = new() { HasCacheInfo = true };

    public StateStore State { get; }

    public TestMeters Meters { get; } = new();

    public PipelineHealth Health { get; }

    public CacheTarget Target { get; }

    public StageMonitor Monitor { get; }

    /// <summary>Where the scheduler's <see cref="CacheInfoWatch"/> (with <c>Start(watchCacheInfo: true)</c>) plans paths again.</summary>
    public DiscoveryQueue Queue { get; } = new();

    /// <summary>Adds the paths to the store and journals them for the cache, as the planner would.</summary>
    public void Journal(IEnumerable<PathInfo> infos)
    {
        var list = ClosureOrder.Sort(infos);
        Store.Add(list);
        State.Enqueue(CacheName, list, Time.GetUtcNow());
        Target.Wake();
    }

    public void Start(bool watchCacheInfo = false) => _run = new CacheScheduler(
            Target, Store, State, NoNarSource.Instance, Monitor, Meters.Metrics, Time, NullLogger.Instance,
            watchCacheInfo ? new CacheInfoWatch(Target, State, Store, Queue, Time, NullLogger.Instance) : null)
        .RunAsync(_stop.Token, _abort.Token);

    /// <summary>Waits until <paramref name="condition"/> holds; fails at once if the scheduler failed.</summary>
    public Task UntilAsync(Func<bool> condition, string what) => Poll.UntilAsync(condition, what, _run);

    /// <summary>Moves the fake clock once the code under test waits on it (the scheduler's one wait, or the service's stop).</summary>
    public Task AdvanceAsync(TimeSpan by) => Time.AdvanceWhenArmedAsync(by);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _abort.CancelAsync();
        if (_run is not null)
        {
            // Aborting an upload in progress ends the scheduler with the cancellation, as in the daemon.
            await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        State.Dispose();
        Meters.Dispose();
        _stop.Dispose();
        _abort.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
