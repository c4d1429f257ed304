using Watcher.Maintenance;

namespace Watcher.Tests.Maintenance;

public sealed class GcPlannerTests : IDisposable
{
    private static readonly TimeSpan Old = TimeSpan.FromDays(30);
    private static readonly TimeSpan Fresh = TimeSpan.FromHours(2);
    private static readonly TimeSpan Grace = TimeSpan.FromHours(24);

    private readonly TestCacheDir _cache = new();

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task Plan_OldAndFreshClosuresSharingPaths_KeepsExactlyTheFreshClosure()
    {
        // Old closure: old-top → shared → base, old-top → old-only. Fresh closure: fresh-top → shared → base.
        _cache.Add("base", Old);
        _cache.Add("shared", Old, "base");
        var oldOnly = _cache.Add("old-only", Old);
        var oldTop = _cache.Add("old-top", Old, "shared", "old-only");
        _cache.Add("fresh-top", Fresh, "shared");

        var plan = GcPlanner.Plan(await _cache.ScanAsync(), TestCacheDir.Now, 7, Grace, new HashSet<string>());

        Assert.Equal(Hashes("base", "shared", "fresh-top"), plan.Live.Order());
        Assert.Equal(Hashes("old-only", "old-top"), plan.DeadNarInfos.Select(e => e.HashPart).Order());
        Assert.Equal(new[] { oldOnly.Url, oldTop.Url }.Order(StringComparer.Ordinal), plan.DeadNars.Select(n => n.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Plan_KeepPath_KeepsItsClosureWhateverItsAge()
    {
        _cache.Add("base", Old);
        _cache.Add("top", Old, "base");
        _cache.Add("other", Old);

        var plan = GcPlanner.Plan(await _cache.ScanAsync(), TestCacheDir.Now, 7, Grace, new HashSet<string>([_cache.PathOf("top").HashPart]));

        Assert.Equal(Hashes("base", "top"), plan.Live.Order());
        Assert.Equal(Hashes("other"), plan.DeadNarInfos.Select(e => e.HashPart));
    }

    [Fact]
    public async Task Plan_UnnamedNars_OnlyThoseOlderThanTheGracePeriodAreDead()
    {
        _cache.Write("nar/0000000000000000000000000000000000000000000000000001.nar", [1, 2, 3], TimeSpan.FromHours(25));
        _cache.Write("nar/0000000000000000000000000000000000000000000000000002.nar", [1, 2], TimeSpan.FromHours(23));

        var plan = GcPlanner.Plan(await _cache.ScanAsync(), TestCacheDir.Now, 7, Grace, new HashSet<string>());

        var dead = Assert.Single(plan.DeadNars);
        Assert.EndsWith("1.nar", dead.Key, StringComparison.Ordinal);
        Assert.Equal(3, plan.DeadNarBytes);
    }

    [Fact]
    public async Task Plan_NarInfoWithinGraceButOlderThanKeepDays_IsLive()
    {
        _cache.Add("recent", TimeSpan.FromDays(3));

        var plan = GcPlanner.Plan(await _cache.ScanAsync(), TestCacheDir.Now, 2, TimeSpan.FromDays(4), new HashSet<string>());

        Assert.Equal(Hashes("recent"), plan.Live.Order());
        Assert.Empty(plan.DeadNars);
    }

    [Fact]
    public async Task Plan_DeadChain_EveryReferrerComesInALevelBeforeItsReferences()
    {
        _cache.Add("a", Old);
        _cache.Add("b", Old, "a");
        _cache.Add("c", Old, "b", "a");
        _cache.Add("d", Old, "a");

        var plan = GcPlanner.Plan(await _cache.ScanAsync(), TestCacheDir.Now, 7, Grace, new HashSet<string>());

        int LevelOf(string name) => plan.DeadNarInfoLevels.Select((level, i) => (level, i)).Single(x => x.level.Any(e => e.HashPart == _cache.PathOf(name).HashPart)).i;
        Assert.True(LevelOf("c") < LevelOf("b"));
        Assert.True(LevelOf("b") < LevelOf("a"));
        Assert.True(LevelOf("d") < LevelOf("a"));
        Assert.Equal(4, plan.DeadNarInfoCount);
    }

    private IEnumerable<string> Hashes(params string[] names) => names.Select(n => _cache.PathOf(n).HashPart).Order();
}
