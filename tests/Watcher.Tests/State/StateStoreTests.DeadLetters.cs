using Watcher.State;
using Watcher.Tests.Nix;

namespace Watcher.Tests.State;

/// <content>Dead letters: per-cache listing, counting and requeueing.</content>
public sealed partial class StateStoreTests
{
    private static readonly DateTimeOffset Early = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void DeadLetters_OneCache_ListsOnlyItsOwnOldestFirst()
    {
        using var state = BuryAll(("c", "late", Early.AddMinutes(5)), ("other", "x", Early), ("c", "early", Early));

        var dead = state.DeadLetters("c");

        Assert.Equal([P("early"), P("late")], dead.Select(d => d.Path));
        Assert.All(dead, d => Assert.Equal("c", d.Cache));
        Assert.Equal(Early, dead[0].FailedAt);
        Assert.Equal(3, state.DeadLetters().Count);
    }

    [Fact]
    public void CountDeadLetters_SeveralCaches_CountsOnlyTheNamedOne()
    {
        using var state = BuryAll(("c", "a", Early), ("c", "b", Early), ("other", "a", Early));

        Assert.Equal(2, state.CountDeadLetters("c"));
        Assert.Equal(1, state.CountDeadLetters("other"));
        Assert.Equal(0, state.CountDeadLetters("none"));
    }

    [Fact]
    public void RequeueDeadLetters_OneCache_LeavesTheOtherCachesDeadLetters()
    {
        using var state = BuryAll(("c", "a", Early), ("other", "b", Early));

        Assert.Equal(1, state.RequeueDeadLetters(Now, "c"));

        Assert.Empty(state.DeadLetters("c"));
        var requeued = Assert.Single(state.TakePending("c", 10));
        Assert.Equal(P("a"), requeued.Path.FullPath);
        Assert.Null(requeued.Info);
        Assert.Equal(Now, requeued.EnqueuedAt);
        Assert.Equal([P("b")], state.DeadLetters("other").Select(d => d.Path));
        Assert.Equal(0, state.CountPending("other"));
    }

    [Fact]
    public void RequeueDeadLetters_PathPendingAgain_IsJournaledOnceAndCounted()
    {
        using var state = BuryAll(("c", "a", Early));
        state.Enqueue("c", [TestPaths.Info("a", [])], Now);

        Assert.Equal(1, state.RequeueDeadLetters(Now));

        Assert.Equal(1, state.CountPending("c"));
        Assert.Equal(0, state.CountDeadLetters("c"));
    }

    [Fact]
    public void RequeueDeadLetters_NoneForThatCache_ReturnsZeroAndChangesNothing()
    {
        using var state = BuryAll(("c", "a", Early));

        Assert.Equal(0, state.RequeueDeadLetters(Now, "other"));

        Assert.Equal(1, state.CountDeadLetters("c"));
        Assert.Equal(0, state.CountPending("c"));
    }

    private static string P(string name) => TestPaths.Path(name).FullPath;

    /// <summary>A state whose given (cache, path name) pairs went through the journal into the dead letters.</summary>
    private StateStore BuryAll(params (string Cache, string Name, DateTimeOffset At)[] letters)
    {
        var state = StateStore.Open(_dir);
        foreach (var (cache, name, at) in letters)
        {
            state.Enqueue(cache, [TestPaths.Info(name, [])], at);
            state.Bury(cache, TestPaths.Path(name), "HTTP 403", 1, at);
            Assert.True(state.IsDeadLetter(cache, TestPaths.Path(name)));
        }

        return state;
    }
}
