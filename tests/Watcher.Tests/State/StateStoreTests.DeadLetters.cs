using Watcher.State;

namespace Watcher.Tests.State;

/// <content>Dead letters: per-cache listing, counting and requeueing.</content>
public sealed partial class StateStoreTests
{
    private static readonly DateTimeOffset Early = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void DeadLetters_OneCache_ListsOnlyItsOwnOldestFirst()
    {
        using var state = BuryAll(("c", "/nix/store/late", Early.AddMinutes(5)), ("other", "/nix/store/x", Early), ("c", "/nix/store/early", Early));

        var dead = state.DeadLetters("c");

        Assert.Equal(["/nix/store/early", "/nix/store/late"], dead.Select(d => d.Path));
        Assert.All(dead, d => Assert.Equal("c", d.Cache));
        Assert.Equal(Early, dead[0].FailedAt);
        Assert.Equal(3, state.DeadLetters().Count);
    }

    [Fact]
    public void CountDeadLetters_SeveralCaches_CountsOnlyTheNamedOne()
    {
        using var state = BuryAll(("c", "/nix/store/a", Early), ("c", "/nix/store/b", Early), ("other", "/nix/store/a", Early));

        Assert.Equal(2, state.CountDeadLetters("c"));
        Assert.Equal(1, state.CountDeadLetters("other"));
        Assert.Equal(0, state.CountDeadLetters("none"));
    }

    [Fact]
    public void RequeueDeadLetters_OneCache_LeavesTheOtherCachesDeadLetters()
    {
        using var state = BuryAll(("c", "/nix/store/a", Early), ("other", "/nix/store/b", Early));

        Assert.Equal(1, state.RequeueDeadLetters("c"));

        Assert.Empty(state.DeadLetters("c"));
        Assert.Equal(["/nix/store/a"], state.TakePending("c", 10).Select(p => p.Path));
        Assert.Equal(["/nix/store/b"], state.DeadLetters("other").Select(d => d.Path));
        Assert.Equal(0, state.CountPending("other"));
    }

    [Fact]
    public void RequeueDeadLetters_PathPendingAgain_IsJournaledOnceAndCounted()
    {
        using var state = BuryAll(("c", "/nix/store/a", Early));
        state.Enqueue("c", ["/nix/store/a"]);

        Assert.Equal(1, state.RequeueDeadLetters());

        Assert.Equal(1, state.CountPending("c"));
        Assert.Equal(0, state.CountDeadLetters("c"));
    }

    [Fact]
    public void RequeueDeadLetters_NoneForThatCache_ReturnsZeroAndChangesNothing()
    {
        using var state = BuryAll(("c", "/nix/store/a", Early));

        Assert.Equal(0, state.RequeueDeadLetters("other"));

        Assert.Equal(1, state.CountDeadLetters("c"));
        Assert.Equal(0, state.CountPending("c"));
    }

    /// <summary>A state whose given (cache, path) pairs went through the journal into the dead letters.</summary>
    private StateStore BuryAll(params (string Cache, string Path, DateTimeOffset At)[] letters)
    {
        var state = StateStore.Open(_dir);
        foreach (var (cache, path, at) in letters)
        {
            state.Enqueue(cache, [path]);
            state.Bury(cache, path, "HTTP 403", 1, at);
        }

        return state;
    }
}
