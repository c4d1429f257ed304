using Watcher.Config;

namespace Watcher.Tests.Config;

/// <summary>Token files must hold a token; secrets other users can read are pointed out.</summary>
public sealed class SecretFileChecksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("secret-checks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("  \t\n\n")]
    public void CheckTokenFile_EmptyOrBlank_NamesTheFile(string text)
    {
        string file = Write("token", text);

        Assert.Equal(
            $"'{file}' is empty; put the token in it (e.g. from 'atticadm make-token'), or remove the setting to push without a token",
            SecretFileChecks.CheckTokenFile(file));
    }

    [Fact]
    public void CheckTokenFile_WithAToken_IsFine()
    {
        Assert.Null(SecretFileChecks.CheckTokenFile(Write("token", "abc.def.ghi\n")));
    }

    [Fact]
    public void CheckTokenFile_Missing_SaysSo()
    {
        Assert.Equal($"'{_dir}/nope' does not exist", SecretFileChecks.CheckTokenFile(Path.Combine(_dir, "nope")));
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "readable by every local user (mode 0644)")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead, "readable by its group (mode 0440)")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite, null)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite, null)]
    public void DescribeReadableByOthers_Mode_WarnsOnlyWhenOthersCanRead(UnixFileMode mode, string? expected)
    {
        string file = Write("key", "k:x");
        File.SetUnixFileMode(file, mode);

        string? warning = SecretFileChecks.DescribeReadableByOthers(file);

        if (expected is null)
        {
            Assert.Null(warning);
        }
        else
        {
            Assert.Equal($"{expected}; make it private with: chmod 600 '{file}'", warning);
        }
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
