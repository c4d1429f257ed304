using Watcher.Cli.Display;

namespace Watcher.Tests.Cli.Display;

public sealed class JournalStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("journal-stream-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("8:1234", true)]
    [InlineData("8:1235", false)]
    [InlineData("9:1234", false)]
    [InlineData("8:", false)]
    [InlineData(":1234", false)]
    [InlineData("8-1234", false)]
    [InlineData("-8:1234", false)]
    public void Names_Variable_MatchesOnlyThatDeviceAndInode(string variable, bool expected)
    {
        Assert.Equal(expected, JournalStream.Names(variable, (8, 1234)));
    }

    [Fact]
    public void Identity_OpenFileThroughProcFd_IsTheFilesAndNotAnothers()
    {
        string file = Path.Combine(_dir, "a");
        string other = Path.Combine(_dir, "b");
        File.WriteAllText(other, "b");
        using var stream = File.Create(file);

        var throughFd = JournalStream.Identity($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}");

        Assert.NotNull(throughFd);
        Assert.Equal(JournalStream.Identity(file), throughFd);
        Assert.NotEqual(JournalStream.Identity(other), throughFd);
        Assert.Null(JournalStream.Identity(Path.Combine(_dir, "missing")));
    }
}
