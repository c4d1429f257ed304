using Watcher.Caches;
using Watcher.Core;
using Watcher.Pipeline;
using Watcher.Tests.Caches;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Pipeline;

public sealed partial class CacheSchedulerTests : IAsyncDisposable
{
    private const string Cache = SchedulerHarness.CacheName;

    private readonly SchedulerHarness _h = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Run_JournaledDag_PublishesReferencesFirstAfterOneLookupTrustingTheJournaledFacts()
    {
        var dag = TestPaths.Dag(40);
        _h.Journal(dag);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        var order = _h.Cache.Published.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        Assert.Equal(40, order.Count);
        Assert.All(dag, info => Assert.All(info.ReferencesExceptSelf, r => Assert.True(order[r] < order[info.Path])));
        Assert.Equal(40, Assert.Single(_h.Cache.Lookups).Count);
        Assert.Equal(0, _h.Store.InfoQueries);
        Assert.Equal(40, _h.State.FilterPushed(Cache, [.. dag.Select(p => p.Path)]).Count);
        Assert.Empty(_h.Store.TempRoots);
    }

    [Fact]
    public async Task Run_RowsWithoutFacts_AskTheStoreOnce()
    {
        var dag = TestPaths.Dag(5);
        _h.Journal(dag);
        foreach (var info in dag)
        {
            _h.State.Bury(Cache, info.Path, "refused", 1, _h.Time.GetUtcNow());
        }

        _h.State.RequeueDeadLetters(_h.Time.GetUtcNow());

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        Assert.Equal(5, _h.Cache.Published.Count);
        Assert.Equal(5, _h.Store.InfoQueries);
    }

    [Fact]
    public async Task Run_CacheHasSome_RecordsThemWithoutUploading()
    {
        var dag = TestPaths.Dag(6);
        _h.Cache.Present.UnionWith(dag.Take(3).Select(p => p.Path));
        using var skipped = _h.Meters.Collect<long>("nix_watcher.paths.skipped");
        _h.Journal(dag);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        Assert.Equal(3, _h.Cache.Uploaded.Count);
        Assert.Equal(6, _h.State.FilterPushed(Cache, [.. dag.Select(p => p.Path)]).Count);
        Assert.Equal(3, skipped.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == "present").Sum(m => m.Value));
    }

    [Fact]
    public async Task Run_UploadFailsAfterItsRetries_DeadLetterWithItsAttemptsAndReferrersFollowButOthersArePushed()
    {
        var dag = TestPaths.Dag(5);
        var unrelated = TestPaths.Independent(2, "zz");
        _h.Cache.FailNar.Add(dag[0].Path);
        _h.Cache.NarFailure = _ => Failures.WithAttempts(new CacheUploadException("HTTP 500, will retry", FailureReason.ServerError, 500), 8);
        _h.Journal([.. dag, .. unrelated]);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        var dead = _h.State.DeadLetters(Cache).ToDictionary(d => d.Path);
        Assert.Equal(5, dead.Count);
        Assert.Equal(("HTTP 500, will retry", 8), (dead[dag[0].Path.FullPath].Reason, dead[dag[0].Path.FullPath].Attempts));
        Assert.All(dag.Skip(1), p => Assert.Contains("is a dead letter", dead[p.Path.FullPath].Reason, StringComparison.Ordinal));
        Assert.Equal(unrelated.Select(p => p.Path.FullPath).Order(StringComparer.Ordinal), _h.Cache.Published.Select(p => p.FullPath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Run_ReferenceAlreadyADeadLetter_NewReferrerIsBuriedNotPublished()
    {
        var dead = TestPaths.Info("dead", []);
        _h.Journal([dead]);
        _h.State.Bury(Cache, dead.Path, "HTTP 403", 1, _h.Time.GetUtcNow());
        var referrer = TestPaths.Info("referrer", [dead.Path]);
        _h.Store.Add([dead]);
        _h.State.Enqueue(Cache, [referrer], _h.Time.GetUtcNow());
        _h.Store.Add([referrer]);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        Assert.Empty(_h.Cache.Published);
        Assert.Contains($"its reference {dead.Path} is a dead letter", Assert.Single(_h.State.DeadLetters(Cache), d => d.Path == referrer.Path.FullPath).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LookupFails_PathWaitsWithoutAnAttemptAndIsPushedOnceTheCacheAnswers()
    {
        var path = TestPaths.Info("a", []);
        _h.Cache.Unknown.Add(path.Path);
        _h.Journal([path]);

        _h.Start();
        await _h.UntilAsync(() => !_h.Cache.Lookups.IsEmpty, "the cache was asked");
        await _h.AdvanceAsync(TimeSpan.FromMilliseconds(500));

        Assert.Single(_h.Cache.Lookups);
        Assert.Equal(1, _h.State.CountPending(Cache));
        Assert.Empty(_h.State.DeadLetters(Cache));

        _h.Cache.Unknown.Clear();
        await _h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the path was pushed");

        Assert.Equal([path.Path], _h.Cache.Published);
        Assert.Equal(2, _h.Cache.Lookups.Count);
    }

    [Fact]
    public async Task Run_NothingMoves_BacksOffDoublingUpToAMinute()
    {
        var path = TestPaths.Info("a", []);
        _h.Cache.Unknown.Add(path.Path);
        _h.Journal([path]);

        _h.Start();
        int expected = 1;
        foreach (int seconds in new[] { 1, 2, 4, 8, 16, 32, 60, 60 })
        {
            await _h.UntilAsync(() => _h.Cache.Lookups.Count == expected, $"lookup #{expected}");
            await _h.AdvanceAsync(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(expected, _h.Cache.Lookups.Count);
            _h.Time.Advance(TimeSpan.FromMilliseconds(1));
            expected++;
        }

        await _h.UntilAsync(() => _h.Cache.Lookups.Count == expected, $"lookup #{expected}");
    }

    [Fact]
    public async Task Run_CachePaused_WaitsOutThePauseWithoutBurying()
    {
        var path = TestPaths.Info("a", []);
        _h.Cache.FailNar.Add(path.Path);
        _h.Cache.NarFailure = _ => new CacheUploadException("cache 'fake' is paused", FailureReason.Paused);
        _h.Target.Activity.CircuitChanged(CircuitState.Open, _h.Time.GetUtcNow() + TimeSpan.FromSeconds(30));
        _h.Journal([path]);

        _h.Start();
        await _h.UntilAsync(() => _h.Cache.Lookups.Count == 1, "the first round");
        await _h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Single(_h.Cache.Lookups);

        _h.Cache.FailNar.Clear();
        _h.Target.Activity.CircuitChanged(CircuitState.Closed);
        await _h.AdvanceAsync(TimeSpan.FromSeconds(21));
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the path was pushed");

        Assert.Empty(_h.State.DeadLetters(Cache));
        Assert.Equal([path.Path], _h.Cache.Published);
    }

    [Fact]
    public async Task Run_PathBuiltAgainWithOtherBytes_PushesTheNewBuildInsteadOfBurying()
    {
        var journaled = TestPaths.Info("a", []);
        _h.Journal([journaled]);
        var rebuilt = journaled with { NarSize = 9 };
        _h.Store.Add([rebuilt]);
        _h.Cache.Reject = info => info.NarSize == 8 ? new NarMismatchException("local store corruption: the NAR differs") : null;

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the path was pushed");

        Assert.Empty(_h.State.DeadLetters(Cache));
        Assert.Equal([journaled.Path], _h.Cache.Published);
    }

    [Fact]
    public async Task Run_LocalCorruption_IsADeadLetter()
    {
        var path = TestPaths.Info("a", []);
        _h.Cache.Reject = _ => new NarMismatchException("local store corruption: the NAR differs");
        _h.Journal([path]);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        Assert.Contains("local store corruption", Assert.Single(_h.State.DeadLetters(Cache)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PathCollected_ForgottenAndCountedAsGc()
    {
        var path = TestPaths.Info("a", []);
        _h.Cache.Reject = info => new PathVanishedException(info.Path);
        using var skipped = _h.Meters.Collect<long>("nix_watcher.paths.skipped");
        _h.Journal([path]);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        Assert.Empty(_h.State.DeadLetters(Cache));
        Assert.Equal("gc", Assert.Single(skipped.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task Run_UpstreamPath_ForgottenAndItsReferrerPushed()
    {
        var glibc = TestPaths.Info("glibc", []) with { Signatures = ["cache.nixos.org-1:c2ln"] };
        var app = TestPaths.Info("app", [glibc.Path]);
        var target = new CacheTarget(new Watcher.Config.FileCacheOptions { Name = Cache, Path = "/unused", SigningKeyFile = "/unused", SkipSignedBy = ["cache.nixos.org-1"] }, _h.Cache);
        _h.Journal([glibc, app]);

        var run = new CacheScheduler(target, _h.Store, _h.State, NoNarSource.Instance, _h.Monitor, _h.Meters.Metrics, _h.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var task = run.RunAsync(stop.Token, CancellationToken.None);
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");
        await stop.CancelAsync();
        await task;

        Assert.Equal([app.Path], _h.Cache.Published);
        Assert.Empty(_h.State.FilterPushed(Cache, [glibc.Path]));
    }

    [Fact]
    public async Task Run_SetupFails_TriesAgainWithBackoffAndPushesOnceItWorks()
    {
        var path = TestPaths.Info("a", []);
        _h.Cache.FailInitialize = new CacheUploadException("bucket 'b': cannot reach the endpoint", FailureReason.Connection);
        _h.Journal([path]);

        _h.Start();
        await _h.UntilAsync(() => _h.Cache.InitializeCalls == 1, "the first setup");
        await _h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await _h.UntilAsync(() => _h.Cache.InitializeCalls == 2, "the second setup");
        Assert.Empty(_h.Cache.Lookups);

        _h.Cache.FailInitialize = null;
        await _h.AdvanceAsync(TimeSpan.FromSeconds(2));
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the path was pushed");
        Assert.Equal([path.Path], _h.Cache.Published);
    }

    [Fact]
    public async Task Run_UploadHangs_TheStageIsStuckAfterItsLimitAndNamed()
    {
        _h.Cache.UploadGate = new TaskCompletionSource().Task;
        _h.Journal([TestPaths.Info("a", [])]);

        _h.Start();
        await _h.UntilAsync(() => _h.Cache.MaxInFlight == 1, "the upload started");

        // The scheduler waits on the upload, not on the clock: the stage's age is read from the clock when checked.
        _h.Time.Advance(_h.Monitor.StuckAfter - TimeSpan.FromMinutes(1));
        Assert.Equal(StageState.Working, _h.Monitor.Check().State);
        Assert.Empty(_h.Health.Problems());

        _h.Time.Advance(TimeSpan.FromMinutes(2));

        var problem = Assert.Single(_h.Health.Problems());
        Assert.Equal(StageState.Stuck, problem.State);
        Assert.Equal("cache fake: no progress for 16 min while it had work", _h.Health.Describe(problem));
    }

    [Fact]
    public async Task Run_IdleAfterItsWork_TheStageIsIdleNotStuck()
    {
        _h.Journal([TestPaths.Info("a", [])]);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");
        await _h.AdvanceAsync(TimeSpan.FromHours(1));

        await _h.UntilAsync(() => _h.Monitor.Check().State == StageState.Idle, "the stage is idle");
        Assert.Empty(_h.Health.Problems());
    }
}
