using Watcher.Maintenance;
using Watcher.State;

namespace Watcher.Tests.State;

public sealed partial class StateStoreTests
{
    [Fact]
    public void ForgetPushed_SomePaths_ForgetsOnlyThoseOfThatCache()
    {
        using var state = StateStore.Open(_dir);
        state.MarkPushed("c", ["/nix/store/a", "/nix/store/b"]);
        state.MarkPushed("other", ["/nix/store/a"]);

        state.ForgetPushed("c", ["/nix/store/a"]);

        Assert.Equal(["/nix/store/b"], state.PushedPaths("c"));
        Assert.Equal(["/nix/store/a"], state.PushedPaths("other"));
    }

    [Fact]
    public void ForgetUnless_PathsTheCacheDoesNotHaveWhole_AreForgottenSoTheNextScanPushesThem()
    {
        string whole = "/nix/store/" + new string('a', 32) + "-whole";
        string broken = "/nix/store/" + new string('b', 32) + "-broken";
        using (var state = StateStore.Open(_dir))
        {
            state.MarkPushed("c", [whole, broken]);
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
