using Watcher.Maintenance;
using Watcher.Nix;

namespace Watcher.Tests.Maintenance;

public sealed class RepairPlannerTests : IDisposable
{
    private static readonly TimeSpan Age = TimeSpan.FromDays(1);

    private readonly TestCacheDir _cache = new();

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task Plan_DamagedNarOfALocalPath_DeletesTheNarAndPushesThePathOverItsNarInfo()
    {
        var a = _cache.Add("a", Age);
        _cache.Add("b", Age, "a");
        File.WriteAllBytes(Path.Combine(_cache.Root, a.Url), [1]);
        var (index, problems) = await _cache.VerifyAsync();

        var plan = RepairPlanner.Plan(index, problems, Local("a"), new HashSet<StorePath>());

        Assert.Equal([a.Url], plan.DamagedNars);
        Assert.Equal([a.StorePath], plan.Repush);
        Assert.Contains(a.StorePath, plan.Overwrite);
        Assert.Empty(plan.PruneLevels);
    }

    [Fact]
    public async Task Plan_DamagedPathNotInTheLocalStore_RemovesItWithEveryReferrerReferrersFirst()
    {
        var a = _cache.Add("a", Age);
        _cache.Add("b", Age, "a");
        _cache.Add("c", Age, "b");
        _cache.Add("unrelated", Age);
        File.Delete(Path.Combine(_cache.Root, a.Url));
        var (index, problems) = await _cache.VerifyAsync();

        var plan = RepairPlanner.Plan(index, problems, Local(), new HashSet<StorePath>());

        var order = plan.PruneLevels.SelectMany(l => l).Select(e => e.HashPart).ToList();
        Assert.Equal([_cache.PathOf("c").HashPart, _cache.PathOf("b").HashPart, _cache.PathOf("a").HashPart], order);
        Assert.Empty(plan.Repush);
        Assert.Contains("refers to", plan.PruneReasons[_cache.PathOf("b").HashPart], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_MissingReferenceInTheLocalStore_PushesTheReference()
    {
        _cache.Add("a", Age);
        _cache.Add("b", Age, "a");
        File.Delete(_cache.NarInfoFile("a"));
        var (index, problems) = await _cache.VerifyAsync();

        var plan = RepairPlanner.Plan(index, problems, Local(), new HashSet<StorePath>([_cache.PathOf("a")]));

        Assert.Equal([_cache.PathOf("a")], plan.Repush);
        Assert.Empty(plan.Overwrite);
        Assert.Empty(plan.PruneLevels);
    }

    [Fact]
    public async Task Plan_MissingReferenceNotInTheLocalStore_RemovesTheReferrer()
    {
        _cache.Add("a", Age);
        _cache.Add("b", Age, "a");
        _cache.Add("c", Age, "b");
        File.Delete(_cache.NarInfoFile("a"));
        var (index, problems) = await _cache.VerifyAsync();

        var plan = RepairPlanner.Plan(index, problems, Local(), new HashSet<StorePath>());

        Assert.Equal([_cache.PathOf("c").HashPart, _cache.PathOf("b").HashPart], plan.PruneLevels.SelectMany(l => l).Select(e => e.HashPart));
    }

    private Dictionary<string, StorePath?> Local(params string[] names) =>
        names.ToDictionary(n => _cache.PathOf(n).HashPart, n => (StorePath?)_cache.PathOf(n));
}
