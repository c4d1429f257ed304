using Watcher.Caches;

namespace Watcher.Maintenance;

/// <summary>What <c>gc</c> would delete from one cache, as planned from one listing.</summary>
/// <param name="Live">The hash parts of the narinfos that stay.</param>
/// <param name="DeadNarInfoLevels">The narinfos to delete, in levels: every narinfo comes in a level before any narinfo it refers to.</param>
/// <param name="DeadNars">The NAR objects no surviving narinfo names that are older than the grace period.</param>
internal sealed record GcPlan(IReadOnlySet<string> Live, IReadOnlyList<IReadOnlyList<NarInfoEntry>> DeadNarInfoLevels, IReadOnlyList<CacheObject> DeadNars)
{
    public IEnumerable<NarInfoEntry> DeadNarInfos => DeadNarInfoLevels.SelectMany(l => l);

    public int DeadNarInfoCount => DeadNarInfoLevels.Sum(l => l.Count);

    public long DeadNarInfoBytes => DeadNarInfos.Sum(e => e.Object.Size);

    public long DeadNarBytes => DeadNars.Sum(n => n.Size);
}
