using Watcher.Caches;

namespace Watcher.Tests.Caches;

/// <summary>
/// Staged NARs: each process stages in a directory of its own under a lock, and a sweep removes only the directories
/// whose lock nobody holds. Two <see cref="StagingDirectory"/> instances lock like two processes (flock locks
/// belong to the open file).
/// </summary>
public sealed class StagingDirectoryTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("staging-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private string Root => Path.Combine(_state, StagingDirectory.DirectoryName);

    [Fact]
    public void NewFile_FirstUse_IsInAnOwnerOnlyDirectoryOfItsOwnBelowTheStateDirectory()
    {
        using var staging = StagingDirectory.In(_state);

        string file = staging.NewFile("abc");

        string own = Path.GetDirectoryName(file)!;
        Assert.Equal(Root, Path.GetDirectoryName(own));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Root));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(own));
        Assert.True(File.Exists(own + ".lock"));
        Assert.StartsWith("abc-", Path.GetFileName(file), StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void SweepAbandoned_AnotherLiveInstancesFiles_AreKept()
    {
        using var live = StagingDirectory.In(_state);
        string staged = live.NewFile("live");
        File.WriteAllBytes(staged, new byte[100]);
        using var other = StagingDirectory.In(_state);

        var swept = other.SweepAbandoned();

        Assert.Equal((0, 0L), swept);
        Assert.True(File.Exists(staged));
    }

    [Fact]
    public void SweepAbandoned_DirectoryWhoseLockNobodyHolds_IsDeletedWithItsLockFile()
    {
        string dead = Path.Combine(Root, "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f");
        Directory.CreateDirectory(dead);
        File.WriteAllBytes(Path.Combine(dead, "x.nar"), new byte[300]);
        File.WriteAllBytes(Path.Combine(dead, "y.nar"), new byte[200]);
        File.WriteAllText(dead + ".lock", string.Empty);
        using var staging = StagingDirectory.In(_state);

        var swept = staging.SweepAbandoned();

        Assert.Equal((2, 500L), swept);
        Assert.False(Directory.Exists(dead));
        Assert.False(File.Exists(dead + ".lock"));
    }

    [Fact]
    public void SweepAbandoned_DirectoryWithoutLockFile_IsDeleted()
    {
        string orphan = Path.Combine(Root, "1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e");
        Directory.CreateDirectory(orphan);
        File.WriteAllBytes(Path.Combine(orphan, "x.nar"), new byte[7]);
        using var staging = StagingDirectory.In(_state);

        Assert.Equal((1, 7L), staging.SweepAbandoned());
        Assert.False(Directory.Exists(orphan));
    }

    [Fact]
    public void NewFile_FirstUse_SweepsAbandonedDirectoriesFirst()
    {
        string dead = Path.Combine(Root, "2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d");
        Directory.CreateDirectory(dead);
        File.WriteAllText(dead + ".lock", string.Empty);
        using var staging = StagingDirectory.In(_state);

        staging.NewFile("n");

        Assert.False(Directory.Exists(dead));
    }

    [Fact]
    public void Dispose_RemovesItsDirectoryWithWhatIsStillStagedAndItsLockFile()
    {
        var staging = StagingDirectory.In(_state);
        string staged = staging.NewFile("n");
        File.WriteAllText(staged, "partial");

        staging.Dispose();

        Assert.Empty(Directory.GetFileSystemEntries(Root));
    }

    [Fact]
    public void SweepAbandoned_NoStagingYet_CreatesNothing()
    {
        using var staging = StagingDirectory.In(_state);

        Assert.Equal((0, 0L), staging.SweepAbandoned());
        Assert.False(Directory.Exists(Root));
    }
}
