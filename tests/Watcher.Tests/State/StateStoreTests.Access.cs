using Watcher.Core;
using Watcher.State;
using Watcher.Tests.Nix;

namespace Watcher.Tests.State;

public sealed partial class StateStoreTests
{
    [Fact]
    public void Open_NewState_DatabaseAndItsLogAreReadableByTheOwnerOnly()
    {
        string dir = Path.Combine(_dir, "new");
        using (var state = StateStore.Open(dir))
        {
            state.Enqueue("c", [TestPaths.Info("a", [])], Now);
            foreach (string name in StateDirectory.DatabaseFiles)
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, name)));
            }
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
    }

    [Fact]
    public void Open_FileThatIsNotADatabase_IsAStateAccessErrorNamingIt()
    {
        string db = Path.Combine(_dir, "state.db");
        File.WriteAllText(db, new string('x', 4096));

        var ex = Assert.Throws<StateAccessException>(() => StateStore.Open(_dir));

        Assert.StartsWith($"cannot open the state database {db}: ", ex.Message, StringComparison.Ordinal);
    }
}
