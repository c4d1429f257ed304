using Microsoft.Extensions.Time.Testing;
using Watcher.Caches;
using Watcher.Caches.Files;
using Watcher.Caches.Zstd;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Tests.Caches.Files;

/// <summary>
/// When the file cache syncs (a narinfo reaches its name only after a sync, and a flush syncs once more), and how it tells
/// and refreshes aged narinfos.
/// </summary>
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

    [Fact]
    public async Task Lookup_NarInfoOlderThanADay_IsPresentButAged()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var cache = Create(() => { }, time);
        var missing = StorePath.FromBaseName("1123456789abcdfghijklmnpqrsvwxyz-missing");
        var fresh = StorePath.FromBaseName("2123456789abcdfghijklmnpqrsvwxyz-fresh");
        await cache.PublishAsync(NarInfoFor(Path1), Ct);
        await cache.PublishAsync(NarInfoFor(fresh), Ct);
        File.SetLastWriteTimeUtc(NarInfoFile, (time.GetUtcNow() - GcLimits.RefreshAfter - TimeSpan.FromMinutes(1)).UtcDateTime);
        File.SetLastWriteTimeUtc(Path.Combine(_root, fresh.HashPart + ".narinfo"), (time.GetUtcNow() - TimeSpan.FromHours(23)).UtcDateTime);

        var lookup = await cache.LookupAsync([Path1, fresh, missing], Ct);

        Assert.Equal([missing], lookup.Missing);
        Assert.Equal([Path1], lookup.Aged);
    }

    [Fact]
    public async Task Refresh_AgedNarInfo_MovesItsTimeToNowAndLooksAgainAfterSettling()
    {
        var time = new ArmedTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var cache = Create(() => { }, time);
        var deleted = StorePath.FromBaseName("3123456789abcdfghijklmnpqrsvwxyz-deleted");
        await cache.PublishAsync(NarInfoFor(Path1), Ct);
        await cache.PublishAsync(NarInfoFor(deleted), Ct);
        File.SetLastWriteTimeUtc(NarInfoFile, time.GetUtcNow().UtcDateTime.AddDays(-10));

        var refreshing = cache.RefreshAsync([Path1, deleted], Ct);

        // The refresh waits out the settling time on the clock before its second look.
        await time.WaitForTimerAtAsync(time.GetUtcNow() + GcLimits.RefreshSettle);
        Assert.False(refreshing.IsCompleted, "no second look before the settling time");
        File.Delete(Path.Combine(_root, deleted.HashPart + ".narinfo"));
        time.Advance(GcLimits.RefreshSettle);
        var result = await refreshing;

        Assert.Equal(time.GetUtcNow().UtcDateTime - GcLimits.RefreshSettle, File.GetLastWriteTimeUtc(NarInfoFile));
        Assert.Equal([deleted], result.Missing);
        Assert.Empty(result.Unknown);
    }

    private FileCache Create(Action sync, TimeProvider? time = null) =>
        new("c", _root, new NarEncoder(NarCompression.None, level: 3, workers: 1), signingKey: null, sync: new GroupSync(sync), time: time);

    private static NarInfo NarInfoFor(StorePath path) =>
        new() { StorePath = path, Url = "nar/x.nar", Compression = "none", NarHash = new byte[32], NarSize = 8, References = [] };
}
