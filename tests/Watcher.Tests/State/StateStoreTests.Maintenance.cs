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
