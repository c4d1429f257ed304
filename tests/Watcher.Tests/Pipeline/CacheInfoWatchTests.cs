using Watcher.Caches;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Pipeline;

public sealed class CacheInfoWatchTests : IAsyncDisposable
{
    private const string Cache = SchedulerHarness.CacheName;

    private readonly SchedulerHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Run_FirstStart_RemembersTheIdentityAndForgetsNothing()
    {
        var dag = PushedBefore(3);

        _h.Start(watchCacheInfo: true);
        await _h.UntilAsync(() => _h.State.GetCacheInfoIdentity(Cache) is not null, "the identity is remembered");

        Assert.Equal(3, _h.State.PushedPaths(Cache).Count);
        Assert.Equal(1, _h.Cache.InitializeCalls);
        Assert.Equal(0, _h.Queue.Count);
        Assert.Empty(_h.State.FilterUnseen([.. dag.Select(p => p.Path)]));
    }

    [Fact]
    public async Task Run_CacheInfoDeletedWhileRunning_ForgetsThePushedSetWritesItAgainAndPlansTheValidPathsAgain()
    {
        var dag = PushedBefore(3);
        var collected = TestPaths.Info("collected", []);
        _h.State.MarkPushed(Cache, [collected.Path], _h.Time.GetUtcNow());
        _h.Start(watchCacheInfo: true);
        await _h.UntilAsync(() => _h.State.GetCacheInfoIdentity(Cache) is not null, "the identity is remembered");
        var first = _h.Cache.CacheInfo;

        _h.Cache.CacheInfo = null;
        await _h.AdvanceAsync(CacheInfoWatch.Interval);
        await _h.UntilAsync(() => _h.Queue.Count == 3, "three paths planned again");

        Assert.Empty(_h.State.PushedPaths(Cache));
        Assert.Equal(2, _h.Cache.InitializeCalls);
        Assert.NotNull(_h.Cache.CacheInfo);
        Assert.NotEqual(first, _h.Cache.CacheInfo);
        Assert.Equal(dag.Select(p => p.Path).ToHashSet(), Drain().ToHashSet());
        Assert.Equal(3, _h.State.FilterUnseen([.. dag.Select(p => p.Path)]).Count);
    }

    [Fact]
    public async Task Run_CacheInfoWrittenAgainByAnotherWriter_ForgetsThePushedSetOnce()
    {
        PushedBefore(2);
        _h.Start(watchCacheInfo: true);
        await _h.UntilAsync(() => _h.State.GetCacheInfoIdentity(Cache) is not null, "the identity is remembered");

        _h.Cache.CacheInfo = new CacheInfoIdentity(_h.Time.GetUtcNow(), "another");
        await _h.AdvanceAsync(CacheInfoWatch.Interval);
        await _h.UntilAsync(() => _h.Queue.Count == 2, "two paths planned again");
        Drain();
        _h.State.MarkPushed(Cache, [TestPaths.Path("later")], _h.Time.GetUtcNow());
        await _h.AdvanceAsync(CacheInfoWatch.Interval);
        await _h.AdvanceAsync(CacheInfoWatch.Interval);
        await _h.AdvanceAsync(TimeSpan.Zero);

        Assert.Equal(1, _h.Cache.InitializeCalls);
        Assert.Single(_h.State.PushedPaths(Cache));
        Assert.EndsWith(" another", _h.State.GetCacheInfoIdentity(Cache), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CacheInfoChangedWhileStopped_ForgetsThePushedSetAtStart()
    {
        PushedBefore(2);
        _h.State.SetCacheInfoIdentity(Cache, "1 the-one-before");

        _h.Start(watchCacheInfo: true);
        await _h.UntilAsync(() => _h.Queue.Count == 2, "two paths planned again");

        Assert.Empty(_h.State.PushedPaths(Cache));
        Assert.DoesNotContain("the-one-before", _h.State.GetCacheInfoIdentity(Cache), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_IdentityCannotBeRead_ChangesNothing()
    {
        PushedBefore(2);
        _h.Start(watchCacheInfo: true);
        await _h.UntilAsync(() => _h.State.GetCacheInfoIdentity(Cache) is not null, "the identity is remembered");

        _h.Cache.FailCacheInfo = new CacheUploadException("HTTP 503 SlowDown", FailureReason.Throttled, 503);
        await _h.AdvanceAsync(CacheInfoWatch.Interval);
        await _h.AdvanceAsync(CacheInfoWatch.Interval);
        await _h.AdvanceAsync(TimeSpan.Zero);

        Assert.Equal(2, _h.State.PushedPaths(Cache).Count);
        Assert.Equal(0, _h.Queue.Count);
    }

    /// <summary>A chain the store has and the journal knows the cache has.</summary>
    private List<PathInfo> PushedBefore(int count)
    {
        var dag = TestPaths.Dag(count, "old");
        _h.Store.Add(dag);
        _h.State.MarkPushed(Cache, dag.Select(p => p.Path), _h.Time.GetUtcNow());
        _h.State.MarkSeen(dag.Select(p => p.Path));
        return dag;
    }

    private List<StorePath> Drain()
    {
        var paths = new List<StorePath>();
        while (_h.Queue.Reader.TryRead(out var discovery))
        {
            paths.Add(discovery.Path!);
        }

        return paths;
    }
}
