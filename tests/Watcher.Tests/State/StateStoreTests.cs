using Microsoft.Data.Sqlite;
using Watcher.Core;
using Watcher.Nix;
using Watcher.State;
using Watcher.Tests.Nix;

namespace Watcher.Tests.State;

public sealed partial class StateStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private readonly string _dir = Directory.CreateTempSubdirectory("state-test-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void TakePending_AfterEnqueue_KeepsJournalOrderIgnoresDuplicatesAndKeepsTheFacts()
    {
        using var state = StateStore.Open(_dir);
        var (a, b, c) = (Info("a"), Info("b", "a") with { Signatures = ["k-1:c2ln"], Deriver = TestPaths.Path("b.drv") }, Info("c"));

        state.Enqueue("c", [b, a], Now);
        state.Enqueue("c", [a, c], Now.AddSeconds(5));
        state.Enqueue("other", [Info("z")], Now);

        var pending = state.TakePending("c", 10);
        Assert.Equal([b.Path, a.Path, c.Path], pending.Select(p => p.Path));
        Assert.Equivalent(b, pending[0].Info);
        Assert.Equal(b.NarHash, pending[0].Info!.NarHash);
        Assert.Equal([Now, Now, Now.AddSeconds(5)], pending.Select(p => p.EnqueuedAt));
        Assert.Equal(3, state.CountPending("c"));
        Assert.Equal(Now, state.OldestPending("c"));
        Assert.Null(state.OldestPending("none"));
        Assert.Equal([b.Path], state.TakePending("c", 1).Select(p => p.Path));
    }

    [Fact]
    public void PendingAmong_SomePending_ReturnsThoseInJournalOrder()
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("c", [Info("x"), Info("y"), Info("z")], Now);

        var found = state.PendingAmong("c", [TestPaths.Path("z"), TestPaths.Path("x"), TestPaths.Path("none")]);

        Assert.Equal([TestPaths.Path("x"), TestPaths.Path("z")], found.Select(p => p.Path));
    }

    [Fact]
    public void UpdatePending_NewFacts_ReplaceTheJournaledOnes()
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("c", [Info("a")], Now);
        var rebuilt = Info("a") with { NarSize = 99 };

        state.UpdatePending("c", rebuilt);

        Assert.Equal(99, Assert.Single(state.TakePending("c", 10)).Info!.NarSize);
    }

    [Fact]
    public void MarkPushed_RemovesFromPendingAndRemembersPerCache()
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("c", [Info("a"), Info("b")], Now);

        state.MarkPushed("c", [TestPaths.Path("a")]);

        Assert.Equal([TestPaths.Path("b")], state.TakePending("c", 10).Select(p => p.Path));
        Assert.Equal([TestPaths.Path("a")], state.FilterPushed("c", [TestPaths.Path("a"), TestPaths.Path("b")]));
        Assert.Empty(state.FilterPushed("other", [TestPaths.Path("a")]));
    }

    [Fact]
    public void Open_Reopened_KeepsEverything()
    {
        using (var state = StateStore.Open(_dir))
        {
            state.Enqueue("c", [Info("a")], Now);
            state.MarkSeen([TestPaths.Path("a"), TestPaths.Path("s")]);
            state.SetScanCursor(1234);
        }

        using var reopened = StateStore.Open(_dir);

        Assert.Equal([TestPaths.Path("a")], reopened.TakePending("c", 10).Select(p => p.Path));
        Assert.Equal([TestPaths.Path("new")], reopened.FilterUnseen([TestPaths.Path("a"), TestPaths.Path("new"), TestPaths.Path("s")]));
        Assert.Equal(1234, reopened.GetScanCursor());
    }

    [Fact]
    public void FilterPushed_ManyPaths_ChunksTheQuery()
    {
        using var state = StateStore.Open(_dir);
        var paths = Enumerable.Range(0, 1500).Select(i => TestPaths.MakePath("p", i)).ToList();
        state.MarkPushed("c", paths.Where((_, i) => i % 3 == 0));

        Assert.Equal(500, state.FilterPushed("c", paths).Count);
    }

    [Fact]
    public void Open_SchemaVersion1_MigratesAndKeepsPendingRowsWithoutFacts()
    {
        string path = TestPaths.Path("old").FullPath;
        Exec(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "INSERT INTO meta VALUES ('schema', '1')",
            "CREATE TABLE pending (id INTEGER PRIMARY KEY AUTOINCREMENT, cache TEXT NOT NULL, path TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, UNIQUE (cache, path))",
            "CREATE TABLE pushed (cache TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (cache, path)) WITHOUT ROWID",
            "CREATE TABLE dead_letters (cache TEXT NOT NULL, path TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER NOT NULL, failed_at INTEGER NOT NULL, PRIMARY KEY (cache, path)) WITHOUT ROWID",
            "CREATE TABLE seen (path TEXT PRIMARY KEY) WITHOUT ROWID",
            $"INSERT INTO pending (cache, path) VALUES ('c', '{path}')");

        using var state = StateStore.Open(_dir);

        var row = Assert.Single(state.TakePending("c", 10));
        Assert.Equal(path, row.Path.FullPath);
        Assert.Null(row.Info);
        Assert.True(row.EnqueuedAt > Now.AddYears(-20));
        state.Enqueue("c", [Info("new")], Now);
        Assert.Equal(2, state.CountPending("c"));
        Assert.Equal(StateStore.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar("SELECT value FROM meta WHERE key = 'schema'"));
    }

    [Fact]
    public void Open_NewerSchema_RefusedWithAClearMessage()
    {
        Exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", "INSERT INTO meta VALUES ('schema', '99')", "CREATE TABLE pending (id INTEGER)");

        var error = Assert.Throws<WatcherException>(() => StateStore.Open(_dir));

        Assert.Contains("schema version '99'", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer nix-watcher", error.Message, StringComparison.Ordinal);
    }

    private static PathInfo Info(string name, params string[] references) => TestPaths.Info(name, [.. references.Select(TestPaths.Path)]);

    private void Exec(params string[] statements)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "state.db")};Pooling=False");
        connection.Open();
        foreach (string sql in statements)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    private string? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "state.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }
}
