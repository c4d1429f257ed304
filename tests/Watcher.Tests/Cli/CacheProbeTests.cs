using Watcher.Cli;
using Watcher.Config;
using Watcher.Core;

namespace Watcher.Tests.Cli;

public sealed class CacheProbeTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("cache-probe-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void ProbeDirectory_ExistingWritableDirectory_IsFineWithoutRemark()
    {
        Assert.Null(CacheProbe.ProbeDirectory(_root.FullName));
    }

    [Fact]
    public void ProbeDirectory_MissingBelowAWritableDirectory_SaysTheFirstPushCreatesItAndCreatesNothing()
    {
        string cache = Path.Combine(_root.FullName, "a", "b", "cache");

        string? remark = CacheProbe.ProbeDirectory(cache);

        Assert.Equal("does not exist yet; the first push creates it", remark);
        Assert.False(Directory.Exists(Path.Combine(_root.FullName, "a")));
    }

    [Fact]
    public void ProbeDirectory_PathIsAFile_Fails()
    {
        string file = Path.Combine(_root.FullName, "cache");
        File.WriteAllText(file, string.Empty);

        var ex = Assert.Throws<CacheUploadException>(() => CacheProbe.ProbeDirectory(file));

        Assert.Equal($"{file} is a file, not a directory", ex.Message);
    }

    [Fact]
    public void ProbeDirectory_BelowAReadOnlyMount_Fails()
    {
        // /proc/sys is read-only for every user, root included (access(2) says EROFS, not a mode bit).
        var ex = Assert.Throws<CacheUploadException>(() => CacheProbe.ProbeDirectory("/proc/sys/nix-watcher-cache"));

        Assert.Contains("cannot be created", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProbePath_IsAWellFormedPathInTheGivenStore()
    {
        var path = CacheProbe.ProbePath("/chroot/nix/store/");

        Assert.Equal("/chroot/nix/store/00000000000000000000000000000000-nix-watcher-check", path.FullPath);
    }

    [Theory]
    [InlineData("file", "file /srv/cache")]
    [InlineData("attic", "attic cache 'private' at https://attic.example.com/")]
    public void Describe_NamesTypeAndPlace(string type, string expected)
    {
        CacheOptions options = type == "file"
            ? new FileCacheOptions { Name = "c", Path = "/srv/cache", SigningKeyFile = "/k" }
            : new AtticCacheOptions { Name = "c", Cache = "private", Endpoint = new Uri("https://attic.example.com/") };

        Assert.Equal(expected, CacheProbe.Describe(options));
    }
}
