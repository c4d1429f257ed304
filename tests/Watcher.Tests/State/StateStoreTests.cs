using Watcher.State;

namespace Watcher.Tests.State;

public sealed partial class StateStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("state-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TakePending_AfterEnqueue_KeepsJournalOrderAndIgnoresDuplicates()
    {
        using var state = StateStore.Open(_dir);

        state.Enqueue("c", ["/nix/store/b", "/nix/store/a"]);
        state.Enqueue("c", ["/nix/store/a", "/nix/store/c"]);
        state.Enqueue("other", ["/nix/store/z"]);

        Assert.Equal(["/nix/store/b", "/nix/store/a", "/nix/store/c"], state.TakePending("c", 10).Select(p => p.Path));
        Assert.Equal(3, state.CountPending("c"));
        Assert.Equal(["/nix/store/b"], state.TakePending("c", 1).Select(p => p.Path));
    }

    [Fact]
    public void MarkPushed_RemovesFromPendingAndRemembersPerCache()
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("c", ["/nix/store/a", "/nix/store/b"]);

        state.MarkPushed("c", ["/nix/store/a"]);

        Assert.Equal(["/nix/store/b"], state.TakePending("c", 10).Select(p => p.Path));
        Assert.Equal(["/nix/store/a"], state.FilterPushed("c", ["/nix/store/a", "/nix/store/b"]));
        Assert.Empty(state.FilterPushed("other", ["/nix/store/a"]));
    }

    [Fact]
    public void Bury_ThenRequeue_MovesDeadLettersBackToTheEnd()
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("c", ["/nix/store/a", "/nix/store/b"]);
        Assert.Equal(1, state.RecordFailure("c", "/nix/store/a", "boom"));
        Assert.Equal(2, state.RecordFailure("c", "/nix/store/a", "boom again"));

        state.Bury("c", "/nix/store/a", "403 forbidden", 2, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

        var dead = Assert.Single(state.DeadLetters());
        Assert.Equal(("c", "/nix/store/a", "403 forbidden", 2), (dead.Cache, dead.Path, dead.Reason, dead.Attempts));
        Assert.True(state.IsDeadLetter("c", "/nix/store/a"));
        Assert.Equal(["/nix/store/b"], state.FilterPending("c", ["/nix/store/a", "/nix/store/b"]));
        Assert.Equal(1, state.RequeueDeadLetters());
        Assert.Empty(state.DeadLetters());
        Assert.Equal(["/nix/store/b", "/nix/store/a"], state.TakePending("c", 10).Select(p => p.Path));
    }

    [Fact]
    public void Open_Reopened_KeepsEverything()
    {
        using (var state = StateStore.Open(_dir))
        {
            state.Enqueue("c", ["/nix/store/a"]);
            state.MarkSeen(["/nix/store/a", "/nix/store/s"]);
            state.SetScanCursor(1234);
        }

        using var reopened = StateStore.Open(_dir);

        Assert.Equal(["/nix/store/a"], reopened.TakePending("c", 10).Select(p => p.Path));
        Assert.Equal(["/nix/store/new"], reopened.FilterUnseen(["/nix/store/a", "/nix/store/new", "/nix/store/s"]));
        Assert.Equal(1234, reopened.GetScanCursor());
    }

    [Fact]
    public void FilterPushed_ManyPaths_ChunksTheQuery()
    {
        using var state = StateStore.Open(_dir);
        var paths = Enumerable.Range(0, 1500).Select(i => $"/nix/store/p{i}").ToList();
        state.MarkPushed("c", paths.Where((_, i) => i % 3 == 0));

        Assert.Equal(500, state.FilterPushed("c", paths).Count);
    }
}
