using Watcher.State;
using Watcher.Tests.Nix;

namespace Watcher.Tests.State;

/// <content>When the longest-waiting pending pair was journaled.</content>
public sealed partial class StateStoreTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void OldestPending_AfterEnqueues_IsTheEarliestJournaledPairOfThatCache()
    {
        using var state = StateStore.Open(_dir);
        Assert.Null(state.OldestPending("c"));

        state.Enqueue("c", [TestPaths.Info("a", [])], Start);
        state.Enqueue("c", [TestPaths.Info("a", []), TestPaths.Info("b", [])], Start.AddMinutes(5));
        state.Enqueue("other", [TestPaths.Info("z", [])], Start.AddMinutes(5));

        Assert.Equal(Start, state.OldestPending("c"));
        Assert.Equal(Start.AddMinutes(5), state.OldestPending("other"));
        state.MarkPushed("c", [TestPaths.Path("a")]);
        Assert.Equal(Start.AddMinutes(5), state.OldestPending("c"));
        state.Forget("c", [TestPaths.Path("b")]);
        Assert.Null(state.OldestPending("c"));
    }

    [Fact]
    public void OldestPending_RequeuedDeadLetter_CountsFromTheRequeue()
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("c", [TestPaths.Info("a", [])], Start);
        state.Bury("c", TestPaths.Path("a"), "403 forbidden", 1, Start);

        Assert.Equal(1, state.RequeueDeadLetters(Start.AddHours(2), "c"));

        Assert.Equal(Start.AddHours(2), state.OldestPending("c"));
    }
}
