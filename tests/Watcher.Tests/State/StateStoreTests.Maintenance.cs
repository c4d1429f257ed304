using Watcher.Maintenance;
using Watcher.Nix;
using Watcher.State;
using Watcher.Tests.Nix;

namespace Watcher.Tests.State;

public sealed partial class StateStoreTests
{
    [Fact]
    public void ForgetPushed_SomePaths_ForgetsOnlyThoseOfThatCache()
    {
        using var state = StateStore.Open(_dir);
        state.MarkPushed("c", [TestPaths.Path("a"), TestPaths.Path("b")]);
        state.MarkPushed("other", [TestPaths.Path("a")]);

        state.ForgetPushed("c", [TestPaths.Path("a").FullPath]);

        Assert.Equal([TestPaths.Path("b").FullPath], state.PushedPaths("c"));
        Assert.Equal([TestPaths.Path("a").FullPath], state.PushedPaths("other"));
    }

    [Fact]
    public void ForgetLost_SeenPaths_AreNoLongerSeenSoAScanPlansThemAgainButRemovedOnesStaySeen()
    {
        using var state = StateStore.Open(_dir);
        var paths = new[] { TestPaths.Path("lost"), TestPaths.Path("removed"), TestPaths.Path("kept") };
        state.MarkPushed("c", paths);
        state.MarkSeen(paths);

        state.ForgetLost("c", [TestPaths.Path("lost").FullPath]);
        state.ForgetPushed("c", [TestPaths.Path("removed").FullPath]);

        Assert.Equal([TestPaths.Path("lost")], state.FilterUnseen(paths));
        Assert.Equal([TestPaths.Path("kept").FullPath], state.PushedPaths("c"));
    }

    [Fact]
    public void ForgetAllPushed_OneCache_ReturnsAndForgetsItsPathsOnly()
    {
        using var state = StateStore.Open(_dir);
        state.MarkPushed("c", [TestPaths.Path("a"), TestPaths.Path("b")]);
        state.MarkPushed("other", [TestPaths.Path("a")]);

        var forgotten = state.ForgetAllPushed("c");

        Assert.Equal(new[] { TestPaths.Path("a").FullPath, TestPaths.Path("b").FullPath }.Order(StringComparer.Ordinal), forgotten.Order(StringComparer.Ordinal));
        Assert.Empty(state.PushedPaths("c"));
        Assert.Single(state.PushedPaths("other"));
    }

    [Fact]
    public void ConfirmedSince_RowsConfirmedAtDifferentTimes_SelectsTheRecentOnesAndNeverGoesBack()
    {
        using var state = StateStore.Open(_dir);
        state.MarkPushed("c", [TestPaths.Path("old")], Now.AddDays(-2));
        state.MarkPushed("c", [TestPaths.Path("new")], Now);
        state.MarkPushed("c", [TestPaths.Path("hint")]);
        state.MarkPushed("c", [TestPaths.Path("new")]);
        state.MarkPushed("other", [TestPaths.Path("old")], Now);

        var recent = state.ConfirmedSince("c", [TestPaths.Path("old"), TestPaths.Path("new"), TestPaths.Path("hint")], Now.AddHours(-12));

        Assert.Equal([TestPaths.Path("new")], recent);
    }

    [Fact]
    public void Open_SchemaVersion3_MigratesPushedRowsAsNeverConfirmed()
    {
        string path = TestPaths.Path("old").FullPath;
        using (var state = StateStore.Open(_dir))
        {
            Exec(
                "ALTER TABLE pushed DROP COLUMN confirmed_at",
                "DROP TABLE multipart_parts",
                "ALTER TABLE multipart_uploads DROP COLUMN store_path",
                "ALTER TABLE multipart_uploads DROP COLUMN object_size",
                "ALTER TABLE multipart_uploads DROP COLUMN part_size",
                "UPDATE meta SET value = '3' WHERE key = 'schema'");
        }

        Exec($"INSERT INTO pushed (cache, path) VALUES ('c', '{path}')");

        using var reopened = StateStore.Open(_dir);

        Assert.Single(reopened.FilterPushed("c", [TestPaths.Path("old")]));
        Assert.Empty(reopened.ConfirmedSince("c", [TestPaths.Path("old")], DateTimeOffset.UnixEpoch.AddSeconds(1)));
        Assert.Equal(StateStore.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar("SELECT value FROM meta WHERE key = 'schema'"));
    }

    [Fact]
    public void DropPaths_CollectedPaths_LeaveTheSeenAndPushedRowsOfEveryCache()
    {
        using var state = StateStore.Open(_dir);
        state.MarkSeen([TestPaths.Path("gone"), TestPaths.Path("kept")]);
        state.MarkPushed("c", [TestPaths.Path("gone"), TestPaths.Path("kept")]);
        state.MarkPushed("d", [TestPaths.Path("gone")]);

        state.DropPaths([TestPaths.Path("gone").FullPath]);

        Assert.Equal([TestPaths.Path("kept").FullPath], state.KnownPaths());
        Assert.Empty(state.PushedPaths("d"));
    }

    [Fact]
    public void LastCollection_WrittenAndRead_KeepsTheTimeAndTheProblems()
    {
        using var state = StateStore.Open(_dir);

        state.SetLastCollection("c", Now, 3);
        state.SetLastCollection("unchecked", Now.AddDays(-1), null);

        Assert.Null(state.GetLastCollection("never"));
        Assert.Equal((Now, (int?)3), state.GetLastCollection("c"));
        Assert.Equal((Now.AddDays(-1), (int?)null), state.GetLastCollection("unchecked"));
    }

    [Fact]
    public void ForgetUnless_PathsTheCacheDoesNotHaveWhole_AreForgottenSoTheNextScanPushesThem()
    {
        string whole = "/nix/store/" + new string('a', 32) + "-whole";
        string broken = "/nix/store/" + new string('b', 32) + "-broken";
        using (var state = StateStore.Open(_dir))
        {
            state.MarkPushed("c", [StorePath.Parse(whole), StorePath.Parse(broken)]);
        }

        int forgotten = new MaintenanceJournal(_dir).ForgetUnless("c", hash => hash == new string('a', 32));

        using var reopened = StateStore.Open(_dir);
        Assert.Equal(1, forgotten);
        Assert.Equal([whole], reopened.PushedPaths("c"));
    }

    [Fact]
    public void ForgetUnless_NoStateYet_CreatesNothing()
    {
        string empty = Path.Combine(_dir, "never-ran");

        Assert.Equal(0, new MaintenanceJournal(empty).ForgetUnless("c", _ => false));
        Assert.False(Directory.Exists(empty));
    }
}
