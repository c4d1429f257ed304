using Watcher.Core;
using Watcher.State;

namespace Watcher.Tests.State;

/// <summary>The state directory is made private to its owner, and someone else's is refused with a clear message.</summary>
public sealed class StateDirectoryTests : IDisposable
{
    private const UnixFileMode Rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode WorldReadable = UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly string _root = Directory.CreateTempSubdirectory("state-dir-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string StateDir => Path.Combine(_root, "a", "state");

    [Fact]
    public void Prepare_MissingDirectory_CreatesItOwnerOnly()
    {
        var changes = StateDirectory.Prepare(StateDir);

        Assert.Empty(changes);
        Assert.Equal(Rwx, File.GetUnixFileMode(StateDir));
    }

    [Fact]
    public void Prepare_DirectoryAndDatabaseAsMkdirAndSqliteLeaveThem_AreTightenedAndEachChangeIsReported()
    {
        Directory.CreateDirectory(StateDir, Rwx | WorldReadable | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        string db = Path.Combine(StateDir, "state.db");
        string wal = Path.Combine(StateDir, "state.db-wal");
        File.WriteAllText(db, string.Empty);
        File.WriteAllText(wal, string.Empty);
        File.SetUnixFileMode(db, Rw | WorldReadable);
        File.SetUnixFileMode(wal, Rw | WorldReadable);

        var changes = StateDirectory.Prepare(StateDir);

        Assert.Equal([$"{StateDir}: 0755 → 0700", $"{db}: 0644 → 0600", $"{wal}: 0644 → 0600"], changes);
        Assert.Equal(Rwx, File.GetUnixFileMode(StateDir));
        Assert.Equal(Rw, File.GetUnixFileMode(db));
        Assert.Equal(Rw, File.GetUnixFileMode(wal));
    }

    [Fact]
    public void Prepare_AlreadyPrivate_ChangesNothing()
    {
        StateDirectory.Prepare(StateDir);
        File.WriteAllText(Path.Combine(StateDir, "state.db"), string.Empty);
        File.SetUnixFileMode(Path.Combine(StateDir, "state.db"), Rw);

        Assert.Empty(StateDirectory.Prepare(StateDir));
    }

    [Fact]
    public void Prepare_DirectoryOfAnotherUser_IsRefusedNamingItsOwnerAndWhatToDo()
    {
        Directory.CreateDirectory(StateDir, Rwx | WorldReadable);

        var ex = Assert.Throws<StateAccessException>(() => StateDirectory.Prepare(StateDir, userId: 4242));

        Assert.StartsWith($"the state directory {StateDir} belongs to ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not to uid 4242 who runs this command", ex.Message, StringComparison.Ordinal);
        Assert.Contains("or set state-dir to a directory of your own", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Rwx | WorldReadable, File.GetUnixFileMode(StateDir));
    }

    [Fact]
    public void Prepare_PathIsAFile_IsAStateAccessError()
    {
        File.WriteAllText(Path.Combine(_root, "file"), "x");

        var ex = Assert.Throws<StateAccessException>(() => StateDirectory.Prepare(Path.Combine(_root, "file")));

        Assert.Contains(Path.Combine(_root, "file"), ex.Message, StringComparison.Ordinal);
    }
}
