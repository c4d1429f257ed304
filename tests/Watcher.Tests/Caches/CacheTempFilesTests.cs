using Watcher.Caches;

namespace Watcher.Tests.Caches;

/// <summary>A file cache's temporary files: a sweep deletes those no open file holds, and only names a writer makes.</summary>
public sealed class CacheTempFilesTests : IDisposable
{
    private const string NarHash = "0123456789abcdfghijklmnpqrsvwxyz";
    private const string Guid32 = "0123456789abcdef0123456789abcdef";

    private readonly string _dir = Directory.CreateTempSubdirectory("cache-temp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Sweep_TempFileNoLongerOpen_IsDeletedAndCounted()
    {
        string path = CacheTempFiles.NewPath(_dir, NarHash);
        using (var file = CacheTempFiles.Create(path))
        {
            file.Write(new byte[1000]);
        }

        var (files, bytes) = CacheTempFiles.Sweep(_dir);

        Assert.Equal((1, 1000L), (files, bytes));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Sweep_TempFileAWriterHoldsOpen_IsKept()
    {
        string path = CacheTempFiles.NewPath(_dir, NarHash);
        using var writer = CacheTempFiles.Create(path);
        writer.Write(new byte[10]);

        var swept = CacheTempFiles.Sweep(_dir);

        Assert.Equal((0, 0L), swept);
        Assert.True(File.Exists(path));
        writer.Write(new byte[10]);
        Assert.Equal(20, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData($".tmp-{NarHash}-{Guid32}", true)]
    [InlineData($".tmp-{NarHash}.narinfo-{Guid32}", true)]
    [InlineData($".tmp-nix-cache-info-{Guid32}", true)]
    [InlineData($".nix-watcher-tmp-anything-{Guid32}", true)]
    [InlineData($".tmp-{NarHash}", false)]
    [InlineData($".tmp-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-{Guid32}", false)]
    [InlineData(".tmp-notes", false)]
    [InlineData($"{NarHash}.narinfo", false)]
    [InlineData("nix-cache-info", false)]
    public void Sweep_OnlyTemporaryNamesOfThisOrEarlierVersions_AreDeleted(string name, bool deleted)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, "x");

        CacheTempFiles.Sweep(_dir);

        Assert.Equal(deleted, !File.Exists(path));
    }

    [Fact]
    public void Sweep_MissingDirectory_DeletesNothing()
    {
        Assert.Equal((0, 0L), CacheTempFiles.Sweep(Path.Combine(_dir, "missing")));
    }

    [Fact]
    public void NewPath_TwoCalls_GiveDistinctRecognisableNames()
    {
        string first = CacheTempFiles.NewPath(_dir, NarHash);
        string second = CacheTempFiles.NewPath(_dir, NarHash);

        Assert.NotEqual(first, second);
        Assert.StartsWith($"{CacheTempFiles.Prefix}{NarHash}-", Path.GetFileName(first), StringComparison.Ordinal);
    }
}
