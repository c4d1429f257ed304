using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Config;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.State;
using Watcher.Store;
using Watcher.Tests.Caches;
using Watcher.Tests.Metrics;
using Watcher.Tests.Nix;
using Watcher.Tests.Store;

namespace Watcher.Tests.Pipeline;

public sealed class PlannerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("planner-test-").FullName;
    private readonly ArmedTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeStore _store = new();
    private readonly TestMeters _meters = new();
    private readonly StateStore _state;
    private readonly DiscoveryQueue _queue = new();

    public PlannerTests() => _state = StateStore.Open(_dir);

    public void Dispose()
    {
        _state.Dispose();
        _meters.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PlanAsync_NewPath_JournalsItsClosureReferencesFirstWithItsFactsForEveryCache()
    {
        var dag = TestPaths.Dag(6);
        _store.Add(dag);

        await CreateSut("a", "b").PlanAsync([Found(dag[^1])], TestContext.Current.CancellationToken);

        foreach (string cache in new[] { "a", "b" })
        {
            var pending = _state.TakePending(cache, 100);
            Assert.Equal(6, pending.Count);
            var position = pending.Select((p, i) => (p.Path, i)).ToDictionary(x => x.Path, x => x.i);
            Assert.All(pending, p => Assert.All(p.Info!.ReferencesExceptSelf, r => Assert.True(position[r] < position[p.Path])));
            Assert.Equal(_time.GetUtcNow(), pending[0].EnqueuedAt);
        }

        Assert.Empty(_state.FilterUnseen([.. dag.Select(p => p.Path)]));
    }

    [Fact]
    public async Task PlanAsync_PathsTheJournalKnowsPushed_NotJournaledAgainForThatCacheOnly()
    {
        var dag = TestPaths.Dag(4);
        _store.Add(dag);
        _state.MarkPushed("a", dag.Take(3).Select(p => p.Path));
        using var skipped = _meters.Collect<long>("nix_watcher.paths.skipped");

        await CreateSut("a", "b").PlanAsync([Found(dag[^1])], TestContext.Current.CancellationToken);

        Assert.Equal([dag[3].Path], _state.TakePending("a", 100).Select(p => p.Path));
        Assert.Equal(4, _state.CountPending("b"));
        Assert.Equal(3, skipped.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == "present").Sum(m => m.Value));
    }

    [Fact]
    public async Task PlanAsync_InvalidPath_NotJournaledAndCounted()
    {
        using var skipped = _meters.Collect<long>("nix_watcher.paths.skipped");

        await CreateSut("a").PlanAsync([Found(TestPaths.Info("failed-build", []))], TestContext.Current.CancellationToken);

        Assert.Equal(0, _state.CountPending("a"));
        Assert.Equal("invalid", Assert.Single(skipped.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task PlanAsync_ExcludedReference_KeepsOutItAndEveryPathReferringToIt()
    {
        var texlive = TestPaths.Info("texlive-full", []);
        var doc = TestPaths.Info("doc", [texlive.Path]);
        var lib = TestPaths.Info("lib", []);
        var app = TestPaths.Info("app", [doc.Path, lib.Path]);
        _store.Add([texlive, doc, lib, app]);
        var sut = CreateSut(new WatchOptions { Exclude = [new Regex("^texlive-", RegexOptions.NonBacktracking)] }, "a");

        await sut.PlanAsync([Found(app)], TestContext.Current.CancellationToken);

        Assert.Equal([lib.Path], _state.TakePending("a", 100).Select(p => p.Path));
        Assert.Empty(_state.FilterUnseen([texlive.Path, doc.Path, app.Path]));
    }

    [Fact]
    public async Task PlanAsync_Rescan_PlansEveryValidPathNotSeenYet()
    {
        var seen = TestPaths.Info("seen", []);
        var missed = TestPaths.Info("missed", []);
        _store.Add([seen, missed]);
        _state.MarkSeen([seen.Path]);

        await CreateSut("a").PlanAsync([Discovery.Rescan(DiscoverySource.Scan)], TestContext.Current.CancellationToken);

        Assert.Equal([missed.Path], _state.TakePending("a", 100).Select(p => p.Path));
    }

    [Fact]
    public async Task Run_StoreFails_TheBatchIsPlannedAgainByARescan()
    {
        var path = TestPaths.Info("a", []);
        var store = new FailingOnceStore(_store);
        _store.Add([path]);
        var health = new PipelineHealth(_time);
        var sut = new Planner(_queue, store, _state, Targets("a"), Options(), health, _meters.Metrics, _time, NullLogger<Planner>.Instance);
        using var stop = new CancellationTokenSource();

        await sut.StartAsync(stop.Token);
        await _queue.WriteAsync(Found(path), TestContext.Current.CancellationToken);

        // The failed batch: the planner pauses 5 s on the clock before it asks for a rescan.
        await _time.WaitForTimerAtAsync(_time.GetUtcNow() + TimeSpan.FromSeconds(5));
        Assert.Equal(1, store.Calls);
        Assert.Equal(0, _state.CountPending("a"));
        _time.Advance(TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(() => _state.CountPending("a") == 1, "the rescan journaled the path");

        await stop.CancelAsync();
        await sut.StopAsync(CancellationToken.None);
        Assert.Equal(2, store.Calls);
        Assert.Equal([path.Path], _state.TakePending("a", 10).Select(p => p.Path));
    }

    private static Discovery Found(PathInfo info) => new(info.Path, DiscoverySource.Inotify);

    private static WatcherOptions Options(params string[] caches) => new()
    {
        StateDir = "/unused",
        Caches = [.. caches.Select(c => new FileCacheOptions { Name = c, Path = "/unused", SigningKeyFile = "/unused" })],
    };

    private static List<CacheTarget> Targets(params string[] caches) =>
        [.. Options(caches).Caches.Select(o => new CacheTarget(o, new FakeCache()))];

    private Planner CreateSut(params string[] caches) => CreateSut(new WatchOptions(), caches);

    private Planner CreateSut(WatchOptions watch, params string[] caches)
    {
        var options = new WatcherOptions { StateDir = "/unused", Watch = watch, Caches = Options(caches).Caches };
        return new Planner(_queue, _store, _state, Targets(caches), options, new PipelineHealth(_time), _meters.Metrics, _time, NullLogger<Planner>.Instance);
    }

    /// <summary>A store whose first closure query fails, as when the daemon restarts.</summary>
    private sealed class FailingOnceStore(FakeStore inner) : IStoreQueries
    {
        /// <summary>Closure queries so far; the first one failed.</summary>
        public int Calls { get; private set; }

        public string StoreDir => inner.StoreDir;

        public Task<IReadOnlySet<StorePath>> QueryValidPathsAsync(IEnumerable<StorePath> paths, CancellationToken cancellationToken) => inner.QueryValidPathsAsync(paths, cancellationToken);

        public Task<IReadOnlyList<StorePath>> QueryAllValidPathsAsync(CancellationToken cancellationToken) => inner.QueryAllValidPathsAsync(cancellationToken);

        public Task<IReadOnlyList<PathInfo?>> QueryPathInfosAsync(IReadOnlyList<StorePath> paths, CancellationToken cancellationToken) => inner.QueryPathInfosAsync(paths, cancellationToken);

        public Task<IReadOnlyList<PathInfo>> QueryClosureAsync(IEnumerable<StorePath> roots, CancellationToken cancellationToken)
        {
            if (Calls++ == 0)
            {
                throw new NixDaemonException("the daemon closed the connection");
            }

            return inner.QueryClosureAsync(roots, cancellationToken);
        }

        public Task<IDisposable> HoldTempRootsAsync(IEnumerable<StorePath> paths, CancellationToken cancellationToken) => inner.HoldTempRootsAsync(paths, cancellationToken);
    }
}
