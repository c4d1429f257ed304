using Watcher.Caches;
using Watcher.Tests.Maintenance;

namespace Watcher.Tests.Caches.Files;

public sealed class FileCacheObjectsTests : IDisposable
{
    private readonly TestCacheDir _cache = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task ListAsync_Cache_ListsTheRootAndTheNarDirectoryWithSizesAndTimes()
    {
        var a = _cache.Add("a", TimeSpan.FromDays(3));

        var listed = await _cache.Objects.ListAsync(Ct).ToListAsync(Ct);

        string[] expected = ["nix-cache-info", _cache.PathOf("a").HashPart + ".narinfo", a.Url];
        Assert.Equal(expected.Order(StringComparer.Ordinal), listed.Select(o => o.Key).Order(StringComparer.Ordinal));
        var nar = listed.Single(o => o.Key == a.Url);
        Assert.Equal(a.FileSize, nar.Size);
        Assert.Equal(TestCacheDir.Now - TimeSpan.FromDays(3), nar.LastModified);
    }

    [Fact]
    public async Task RefreshAsync_ExistingObject_MovesItsTimeToNowAndKeepsItsBytes()
    {
        var a = _cache.Add("a", TimeSpan.FromDays(3));
        byte[] before = File.ReadAllBytes(_cache.NarInfoFile("a"));

        var outcome = await _cache.Objects.RefreshAsync(_cache.PathOf("a").HashPart + ".narinfo", Ct);

        Assert.Equal(RefreshOutcome.Refreshed, outcome);
        Assert.Equal(TestCacheDir.Now, (await _cache.Objects.StatAsync(_cache.PathOf("a").HashPart + ".narinfo", Ct))!.LastModified);
        Assert.Equal(before, File.ReadAllBytes(_cache.NarInfoFile("a")));
        Assert.Equal(TestCacheDir.Now - TimeSpan.FromDays(3), (await _cache.Objects.StatAsync(a.Url, Ct))!.LastModified);
    }

    [Fact]
    public async Task RefreshAsync_MissingObject_SaysSoAndCreatesNothing()
    {
        var outcome = await _cache.Objects.RefreshAsync("00000000000000000000000000000000.narinfo", Ct);

        Assert.Equal(RefreshOutcome.Missing, outcome);
        Assert.False(_cache.Exists("00000000000000000000000000000000.narinfo"));
    }

    [Fact]
    public async Task ReadCacheInfoIdentityAsync_FileWrittenAgain_HasAnotherIdentity()
    {
        _cache.Age("nix-cache-info", TimeSpan.FromDays(1));
        var first = await _cache.Objects.ReadCacheInfoIdentityAsync(Ct);
        File.Delete(Path.Combine(_cache.Root, "nix-cache-info"));
        var gone = await _cache.Objects.ReadCacheInfoIdentityAsync(Ct);
        File.WriteAllText(Path.Combine(_cache.Root, "nix-cache-info"), "StoreDir: /nix/store\n");

        var second = await _cache.Objects.ReadCacheInfoIdentityAsync(Ct);

        Assert.NotNull(first);
        Assert.Null(gone);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task OpenReadAsync_KeyLeavingTheDirectory_IsRefused() =>
        await Assert.ThrowsAsync<ArgumentException>(() => _cache.Objects.OpenReadAsync("../../etc/passwd", Ct));
}
