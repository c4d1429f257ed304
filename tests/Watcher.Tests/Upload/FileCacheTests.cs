using Watcher.Nix;
using Watcher.Upload;

namespace Watcher.Tests.Upload;

/// <summary>When the file cache syncs: a narinfo reaches its name only after a sync, and a flush syncs once more.</summary>
public sealed class FileCacheTests : IDisposable
{
    private static readonly StorePath Path1 = StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-hello");

    private readonly string _root = Directory.CreateTempSubdirectory("filecache-").FullName;
    private readonly List<string> _syncs = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string NarInfoFile => Path.Combine(_root, Path1.HashPart + ".narinfo");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Publish_syncs_before_the_narinfo_is_written_and_flush_syncs_it()
    {
        var cache = Create(() => _syncs.Add(File.Exists(NarInfoFile) ? "narinfo" : "no narinfo"));

        await cache.PublishAsync(NarInfoFor(Path1), Ct);
        Assert.Equal(["no narinfo"], _syncs);
        Assert.True(File.Exists(NarInfoFile));

        await cache.FlushAsync(Ct);
        Assert.Equal(["no narinfo", "narinfo"], _syncs);
    }

    [Fact]
    public async Task Publish_whose_sync_fails_writes_no_narinfo()
    {
        var cache = Create(() => throw new IOException("syncfs failed: Input/output error"));

        await Assert.ThrowsAsync<IOException>(() => cache.PublishAsync(NarInfoFor(Path1), Ct));

        Assert.False(File.Exists(NarInfoFile));
        Assert.Empty(Directory.GetFiles(_root));
    }

    [Fact]
    public async Task Initialize_writes_and_syncs_nix_cache_info_once()
    {
        var cache = Create(() => _syncs.Add("sync"));

        await cache.InitializeAsync(Ct);
        await cache.InitializeAsync(Ct);

        Assert.Equal("StoreDir: /nix/store\n", await File.ReadAllTextAsync(Path.Combine(_root, "nix-cache-info"), Ct));
        Assert.Equal(["sync"], _syncs);
    }

    [Fact]
    public async Task Initialize_TempFilesOfInterruptedWriters_AreRemovedAndOnesBeingWrittenKept()
    {
        var cache = Create(() => _syncs.Add("sync"));
        string nar = Path.Combine(_root, "nar");
        Directory.CreateDirectory(nar);
        string leftNar = CacheTempFiles.NewPath(nar, Path1.HashPart);
        string leftNarInfo = CacheTempFiles.NewPath(_root, Path1.HashPart + ".narinfo");
        File.WriteAllBytes(leftNar, new byte[4096]);
        File.WriteAllText(leftNarInfo, "StorePath: x\n");
        string writing = CacheTempFiles.NewPath(nar, Path1.HashPart);
        using var writer = CacheTempFiles.Create(writing);

        await cache.InitializeAsync(Ct);

        Assert.False(File.Exists(leftNar));
        Assert.False(File.Exists(leftNarInfo));
        Assert.True(File.Exists(writing));
    }

    private FileCache Create(Action sync) =>
        new("c", _root, new NarEncoder(NarCompression.None, level: 3, workers: 1), signingKey: null, sync: new GroupSync(sync));

    private static NarInfo NarInfoFor(StorePath path) =>
        new() { StorePath = path, Url = "nar/x.nar", Compression = "none", NarHash = new byte[32], NarSize = 8, References = [] };
}
