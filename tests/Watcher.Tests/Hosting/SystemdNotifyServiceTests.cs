using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Config;
using Watcher.Core;
using Watcher.Hosting;
using Watcher.Pipeline;
using Watcher.State;

namespace Watcher.Tests.Hosting;

public sealed class SystemdNotifyServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("notify-test-").FullName;
    private readonly ArmedTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<string> _sent = new();
    private readonly StateStore _state;
    private readonly PipelineHealth _health;

    public SystemdNotifyServiceTests()
    {
        _state = StateStore.Open(_dir);
        _health = new PipelineHealth(_time);
    }

    public void Dispose()
    {
        _state.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Run_StageStuck_StopsTheWatchdogAndSaysWhichStage()
    {
        var planner = _health.Register(PipelineHealth.PlannerStage);
        var cache = _health.Register(PipelineHealth.CacheStage("home"));
        planner.Started();
        cache.Started();
        cache.Working();
        using var service = CreateSut(TimeSpan.FromSeconds(10));
        var ct = TestContext.Current.CancellationToken;

        await service.StartAsync(ct);
        await Poll.UntilAsync(() => _sent.Count >= 2, "READY and the first status");
        Assert.Equal("READY=1", _sent.First());
        Assert.EndsWith("\nWATCHDOG=1", _sent.Last(), StringComparison.Ordinal);

        await _time.AdvanceWhenArmedAsync(cache.StuckAfter + TimeSpan.FromSeconds(10));
        await Poll.UntilAsync(() => _sent.Last().Contains("unhealthy", StringComparison.Ordinal), "an unhealthy status");
        await service.StopAsync(ct);

        string last = _sent.Last();
        Assert.StartsWith("STATUS=unhealthy: cache home: no progress for 15 min while it had work", last, StringComparison.Ordinal);
        Assert.DoesNotContain("WATCHDOG=1", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StageEnded_StopsTheWatchdog()
    {
        var inotify = _health.Register(PipelineHealth.InotifyStage);
        inotify.Started();
        using var service = CreateSut(TimeSpan.FromSeconds(10));
        var ct = TestContext.Current.CancellationToken;

        await service.StartAsync(ct);
        await Poll.UntilAsync(() => _sent.Count >= 2, "the first status");
        inotify.Ended();
        await _time.AdvanceWhenArmedAsync(TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(() => _sent.Count >= 3, "the next status");
        await service.StopAsync(ct);

        Assert.Equal("STATUS=unhealthy: inotify: not running; 0 paths pending", _sent.Last());
    }

    [Fact]
    public async Task Run_NoWatchdogRequested_SendsStatusWithoutPings()
    {
        _health.Register(PipelineHealth.PlannerStage).Started();
        using var service = CreateSut(watchdog: null);
        var ct = TestContext.Current.CancellationToken;

        await service.StartAsync(ct);
        await Poll.UntilAsync(() => _sent.Count >= 2, "the first status");
        await service.StopAsync(ct);

        Assert.Equal("STATUS=watching; 0 paths pending, 0 discoveries queued", _sent.Last());
    }

    private SystemdNotifyService CreateSut(TimeSpan? watchdog) => new(
        new SystemdNotify(_sent.Enqueue, watchdog),
        _health,
        _state,
        [new CacheTarget(new FileCacheOptions { Name = "home", Path = _dir, SigningKeyFile = "/unused" }, new Watcher.Tests.Caches.FakeCache())],
        new DiscoveryQueue(),
        new StartedLifetime(),
        _time,
        NullLogger<SystemdNotifyService>.Instance);
}
