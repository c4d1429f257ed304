using System.Text;
using Watcher.Caches;
using Watcher.Core;
using Watcher.Maintenance;

namespace Watcher.Tests.Maintenance;

public sealed class GcExecutorTests : IDisposable
{
    private static readonly TimeSpan Old = TimeSpan.FromDays(30);
    private static readonly TimeSpan Grace = TimeSpan.FromHours(24);

    private readonly TestCacheDir _cache = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task Execute_DeadClosure_DeletesItsNarInfosAndNarsAndKeepsTheLiveOnes()
    {
        var shared = _cache.Add("shared", Old);
        var dead = _cache.Add("dead", Old, "shared");
        var fresh = _cache.Add("fresh", TimeSpan.FromHours(1), "shared");
        var (index, plan) = await PlanAsync();

        var result = new GcResult();
        await Executor().ExecuteAsync(index, plan, result, Ct);

        Assert.Equal(1, result.DeletedNarInfos);
        Assert.Equal(1, result.DeletedNars);
        Assert.Equal([dead.StorePath.FullPath], result.DeletedPaths);
        Assert.False(_cache.Exists(_cache.PathOf("dead").HashPart + ".narinfo"));
        Assert.False(_cache.Exists(dead.Url));
        Assert.True(_cache.Exists(shared.Url) && _cache.Exists(fresh.Url));
        Assert.True(File.Exists(_cache.NarInfoFile("shared")) && File.Exists(_cache.NarInfoFile("fresh")));
    }

    [Fact]
    public async Task Execute_NarInfoRefreshedAfterTheListing_StaysWithItsWholeClosure()
    {
        var bottom = _cache.Add("bottom", Old);
        _cache.Add("middle", Old, "bottom");
        var top = _cache.Add("top", Old, "middle");
        var (index, plan) = await PlanAsync();
        Assert.Equal(3, plan.DeadNarInfoCount);

        // A writer relies on "top" between the listing and the delete, and refreshes it.
        Assert.Equal(RefreshOutcome.Refreshed, await _cache.Objects.RefreshAsync(_cache.PathOf("top").HashPart + ".narinfo", Ct));
        var result = new GcResult();
        await Executor().ExecuteAsync(index, plan, result, Ct);

        Assert.Equal(0, result.DeletedNarInfos);
        Assert.Equal(1, result.KeptChanged);
        Assert.True(File.Exists(_cache.NarInfoFile("middle")) && File.Exists(_cache.NarInfoFile("bottom")));
        Assert.True(_cache.Exists(top.Url) && _cache.Exists(bottom.Url));
    }

    [Fact]
    public async Task Execute_NarInfoPublishedAfterTheListing_KeepsTheOldNarItNames()
    {
        var dead = _cache.Add("dead", Old);
        var (index, plan) = await PlanAsync();

        // Another path with the same NAR bytes is published meanwhile; its writer found the NAR object already there.
        var twin = dead with { StorePath = _cache.PathOf("twin"), Signatures = [] };
        _cache.Write(_cache.PathOf("twin").HashPart + ".narinfo", Encoding.UTF8.GetBytes(twin.SignedWith(_cache.Key).ToString()), TimeSpan.Zero);
        var result = new GcResult();
        await Executor().ExecuteAsync(index, plan, result, Ct);

        Assert.Equal(1, result.DeletedNarInfos);
        Assert.Equal(0, result.DeletedNars);
        Assert.True(_cache.Exists(dead.Url));
    }

    private async Task<(CacheIndex Index, GcPlan Plan)> PlanAsync()
    {
        var index = await _cache.ScanAsync();
        return (index, GcPlanner.Plan(index, TestCacheDir.Now, 7, Grace, new HashSet<string>()));
    }

    private GcExecutor Executor() => new(_cache.Objects, new CacheScanner(_cache.Objects, Watcher.Nix.StorePath.DefaultStoreDir, null));
}
