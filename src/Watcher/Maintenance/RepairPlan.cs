using Watcher.Nix;

namespace Watcher.Maintenance;

/// <summary>What <c>verify --repair</c> does to one cache, in this order.</summary>
/// <param name="DamagedNars">NAR objects whose bytes are wrong: deleted first, so a push writes them again.</param>
/// <param name="PruneLevels">Narinfos removed because their path cannot be pushed again, with every narinfo that refers to them; referrers come in earlier levels.</param>
/// <param name="PruneReasons">Why each pruned narinfo (by hash part) goes.</param>
/// <param name="Repush">Paths valid in the local store whose closures are pushed again.</param>
/// <param name="Overwrite">Of those, the paths whose narinfo is in the cache but damaged: pushed even though a narinfo exists.</param>
internal sealed record RepairPlan(
    IReadOnlyList<string> DamagedNars,
    IReadOnlyList<IReadOnlyList<NarInfoEntry>> PruneLevels,
    IReadOnlyDictionary<string, string> PruneReasons,
    IReadOnlyList<StorePath> Repush,
    IReadOnlySet<StorePath> Overwrite)
{
    public bool IsEmpty => DamagedNars.Count == 0 && PruneLevels.Count == 0 && Repush.Count == 0;
}
