using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Watcher.State;

namespace Watcher.Tests.State;

/// <content>When the longest-waiting pending pair was journaled.</content>
public sealed partial class StateStoreTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void OldestPending_AfterEnqueues_IsTheEarliestJournaledPairOfThatCache()
    {
        var time = new FakeTimeProvider(Start);
        using var state = StateStore.Open(_dir, time);
        Assert.Null(state.OldestPending("c"));

        state.Enqueue("c", ["/nix/store/a"]);
        time.Advance(TimeSpan.FromMinutes(5));
        state.Enqueue("c", ["/nix/store/a", "/nix/store/b"]);
        state.Enqueue("other", ["/nix/store/z"]);

        Assert.Equal(Start, state.OldestPending("c"));
        Assert.Equal(Start.AddMinutes(5), state.OldestPending("other"));
        state.MarkPushed("c", ["/nix/store/a"]);
        Assert.Equal(Start.AddMinutes(5), state.OldestPending("c"));
        state.Forget("c", ["/nix/store/b"]);
        Assert.Null(state.OldestPending("c"));
    }

    [Fact]
    public void OldestPending_RequeuedDeadLetter_CountsFromTheRequeue()
    {
        var time = new FakeTimeProvider(Start);
        using var state = StateStore.Open(_dir, time);
        state.Enqueue("c", ["/nix/store/a"]);
        state.Bury("c", "/nix/store/a", "403 forbidden", 1, time.GetUtcNow());
        time.Advance(TimeSpan.FromHours(2));

        Assert.Equal(1, state.RequeueDeadLetters("c"));

        Assert.Equal(Start.AddHours(2), state.OldestPending("c"));
    }

    [Fact]
    public void Open_StateWithoutEnqueueTimes_StampsItsPendingRowsWithTheOpeningTime()
    {
        // The pending table as it was before rows carried enqueued_at.
        using (var old = new SqliteConnection($"Data Source={Path.Combine(_dir, "state.db")};Pooling=False"))
        {
            old.Open();
            using var command = old.CreateCommand();
            command.CommandText = """
                CREATE TABLE pending (id INTEGER PRIMARY KEY AUTOINCREMENT, cache TEXT NOT NULL, path TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, UNIQUE (cache, path));
                INSERT INTO pending (cache, path) VALUES ('c', '/nix/store/a');
                """;
            command.ExecuteNonQuery();
        }

        var time = new FakeTimeProvider(Start);
        using (var state = StateStore.Open(_dir, time))
        {
            Assert.Equal(Start, state.OldestPending("c"));
            time.Advance(TimeSpan.FromMinutes(1));
            state.Enqueue("c", ["/nix/store/b"]);
        }

        time.Advance(TimeSpan.FromMinutes(1));
        using var reopened = StateStore.Open(_dir, time);

        Assert.Equal(Start, reopened.OldestPending("c"));
        Assert.Equal(["/nix/store/a", "/nix/store/b"], reopened.TakePending("c", 10).Select(p => p.Path));
    }
}
