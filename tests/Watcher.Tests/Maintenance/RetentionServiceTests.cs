using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Caches;
using Watcher.Caches.Files;
using Watcher.Config;
using Watcher.Maintenance;
using Watcher.Metrics;
using Watcher.State;
using Watcher.Tests.Caches;
using Watcher.Tests.Metrics;

namespace Watcher.Tests.Maintenance;

public sealed class RetentionServiceTests : IDisposable
{
    private const string Name = "test";

    private readonly TestCacheDir _cache = new();
    private readonly string _stateDir = Directory.CreateTempSubdirectory("retention-state-").FullName;
    private readonly StateStore _state;
    private readonly TestMeters _meters;

    public RetentionServiceTests()
    {
        _state = StateStore.Open(_stateDir);
        _meters = new TestMeters(() => [new CacheGauges(Name, 0, 0, false, null, null, _state.GetLastCollection(Name)?.Problems)]);
    }

    public void Dispose()
    {
        _meters.Dispose();
        _state.Dispose();
        _cache.Dispose();
        Directory.Delete(_stateDir, recursive: true);
    }

    [Fact]
    public async Task Run_NeverCollected_CollectsAtStartThenEveryIntervalCountingWhatWent()
    {
        var old = _cache.Add("old", TimeSpan.FromDays(30));
        var fresh = _cache.Add("fresh", TimeSpan.FromHours(1));
        _state.MarkPushed(Name, [old.StorePath, fresh.StorePath]);
        using var deleted = _meters.Collect<long>("nix_watcher.gc.deleted");
        using var freed = _meters.Collect<long>("nix_watcher.gc.freed");
        using var service = CreateSut(TimeSpan.FromDays(1));

        await service.StartAsync(TestContext.Current.CancellationToken);
        await Poll.UntilAsync(() => _state.GetLastCollection(Name) is not null, "the first collection");

        Assert.False(_cache.Exists(old.StorePath.HashPart + ".narinfo"));
        Assert.False(_cache.Exists(old.Url));
        Assert.True(_cache.Exists(fresh.StorePath.HashPart + ".narinfo"));
        Assert.Equal([fresh.StorePath.FullPath], _state.PushedPaths(Name));
        Assert.Equal((TestCacheDir.Now, (int?)0), _state.GetLastCollection(Name));
        Assert.Equal(1, Sum(deleted, "narinfo"));
        Assert.Equal(1, Sum(deleted, "nar"));
        Assert.Equal(old.FileSize, Sum(freed, "nar"));
        Assert.True(Sum(freed, "narinfo") > 100);

        var later = _cache.Add("later", TimeSpan.FromDays(30));

        // The service waits a day on the clock from its first collection; 23 h later it still waits, having collected nothing.
        await _cache.Time.WaitForTimerAtAsync(TestCacheDir.Now + TimeSpan.FromDays(1));
        _cache.Time.Advance(TimeSpan.FromHours(23));
        Assert.Equal(1, _cache.Time.ArmedTimers);
        Assert.True(_cache.Exists(later.StorePath.HashPart + ".narinfo"), "collected before the interval was over");
        _cache.Time.Advance(TimeSpan.FromHours(1));
        await Poll.UntilAsync(() => !_cache.Exists(later.StorePath.HashPart + ".narinfo"), "the second collection");
        await service.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Run_CollectedRecentlyBeforeARestart_WaitsForTheRestOfTheInterval()
    {
        var old = _cache.Add("old", TimeSpan.FromDays(30));
        _state.SetLastCollection(Name, TestCacheDir.Now - TimeSpan.FromHours(20), 0);
        using var service = CreateSut(TimeSpan.FromDays(1));

        await service.StartAsync(TestContext.Current.CancellationToken);

        // The service waits for the rest of the interval: 24 h after the last run, 4 h from now.
        await _cache.Time.WaitForTimerAtAsync(TestCacheDir.Now + TimeSpan.FromHours(4));
        Assert.True(_cache.Exists(old.StorePath.HashPart + ".narinfo"), "collected at start although the last run was 20 h ago");
        _cache.Time.Advance(TimeSpan.FromHours(4));

        await Poll.UntilAsync(() => !_cache.Exists(old.StorePath.HashPart + ".narinfo"), "the collection 24 h after the last");
        await service.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Run_ConfiguredRoots_KeepsTheirClosuresWhateverTheirAge()
    {
        var low = _cache.Add("low", TimeSpan.FromDays(30));
        var root = _cache.Add("root", TimeSpan.FromDays(30), "low");
        var old = _cache.Add("old", TimeSpan.FromDays(30));
        using var service = CreateSut(TimeSpan.FromDays(1), roots: [root.StorePath.FullPath, "/nonexistent/link"]);

        await CollectOnceAsync(service);

        Assert.True(_cache.Exists(root.StorePath.HashPart + ".narinfo"));
        Assert.True(_cache.Exists(low.StorePath.HashPart + ".narinfo"));
        Assert.False(_cache.Exists(old.StorePath.HashPart + ".narinfo"));
    }

    [Fact]
    public async Task Run_DamagedCache_ReportsTheProblemsOfTheListingAsAGauge()
    {
        var damaged = _cache.Add("damaged", TimeSpan.FromHours(1));
        File.Delete(Path.Combine(_cache.Root, damaged.Url));
        using var problems = _meters.Collect<long>("nix_watcher.cache.problems");
        using var service = CreateSut(TimeSpan.FromDays(1));

        await CollectOnceAsync(service);

        problems.RecordObservableInstruments();
        Assert.Equal(1, problems.LastMeasurement!.Value);
        Assert.Equal(Name, problems.LastMeasurement.Tags["cache"]);
    }

    [Fact]
    public async Task Run_TheRunningCacheHasObjects_CollectsThroughThemAndLeavesThemOpen()
    {
        var old = _cache.Add("old", TimeSpan.FromDays(30));
        _state.MarkPushed(Name, [old.StorePath]);
        using var inner = new FileCacheObjects(Name, _cache.Root, _cache.Time);
        var shared = new CountingObjects(inner);
        using var service = CreateSut(TimeSpan.FromDays(1), caches: [new FakeCache { Name = Name, Objects = shared }]);

        await CollectOnceAsync(service);

        Assert.False(_cache.Exists(old.StorePath.HashPart + ".narinfo"));
        Assert.True(shared.Listings > 0, "the collection listed through the cache's own objects");
        Assert.False(shared.Disposed, "the cache's objects are the cache's: the collection does not dispose them");
    }

    private RetentionService CreateSut(TimeSpan interval, IReadOnlyList<string>? roots = null, IReadOnlyList<IBinaryCache>? caches = null)
    {
        var options = new WatcherOptions
        {
            StateDir = _stateDir,
            Watch = new WatchOptions { Roots = roots ?? [] },
            Caches =
            [
                new FileCacheOptions { Name = Name, Path = _cache.Root, SigningKeyFile = _cache.KeyFile, Retention = new RetentionOptions { KeepDays = 7, Interval = interval } },
                new FileCacheOptions { Name = "untouched", Path = _cache.Root + "-missing", SigningKeyFile = _cache.KeyFile },
            ],
        };
        return new RetentionService(options, _state, _meters.Metrics, _cache.Time, NullLoggerFactory.Instance, caches);
    }

    /// <summary>Starts the service, waits for its first collection and stops it.</summary>
    private async Task CollectOnceAsync(RetentionService service)
    {
        await service.StartAsync(TestContext.Current.CancellationToken);
        await Poll.UntilAsync(() => _state.GetLastCollection(Name) is not null, "the first collection");
        await service.StopAsync(TestContext.Current.CancellationToken);
    }

    private static long Sum(Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long> collector, string kind) =>
        collector.GetMeasurementSnapshot().Where(m => Equals(m.Tags["kind"], kind) && Equals(m.Tags["cache"], Name)).Sum(m => m.Value);

    /// <summary>A cache's objects that count listings and note a dispose.</summary>
    private sealed class CountingObjects(ICacheObjects inner) : ICacheObjects
    {
        public int Listings { get; private set; }

        public bool Disposed { get; private set; }

        public string Name => inner.Name;

        public string Where => inner.Where;

        public IAsyncEnumerable<CacheObject> ListAsync(CancellationToken cancellationToken)
        {
            Listings++;
            return inner.ListAsync(cancellationToken);
        }

        public Task<CacheObject?> StatAsync(string key, CancellationToken cancellationToken) => inner.StatAsync(key, cancellationToken);

        public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

        public Task<RefreshOutcome> RefreshAsync(string key, CancellationToken cancellationToken) => inner.RefreshAsync(key, cancellationToken);

        public Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken) => inner.ReadCacheInfoIdentityAsync(cancellationToken);

        public void Dispose() => Disposed = true;
    }
}
