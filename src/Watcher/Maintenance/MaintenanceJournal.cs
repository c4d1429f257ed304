using Watcher.Nix;
using Watcher.State;

namespace Watcher.Maintenance;

/// <summary>
/// Corrects the daemon's pushed set (a hint, not the truth) from what a cache was found to hold: paths the cache does
/// not have whole are forgotten, so the daemon's next scan pushes them again. Does nothing when there is no state yet.
/// </summary>
internal sealed class MaintenanceJournal(string stateDir)
{
    private const string DatabaseName = "state.db";

    /// <summary>Forgets every pushed path of <paramref name="cache"/> whose hash part <paramref name="isWhole"/> rejects.</summary>
    /// <returns>How many were forgotten.</returns>
    public int ForgetUnless(string cache, Func<string, bool> isWhole)
    {
        using var state = Open();
        if (state is null)
        {
            return 0;
        }

        var stale = state.PushedPaths(cache).Where(p => HashPartOf(p) is not { } hash || !isWhole(hash)).ToList();
        state.ForgetPushed(cache, stale);
        return stale.Count;
    }

    /// <summary>Records what a repair or gc changed: removed paths are forgotten, paths pushed again are known.</summary>
    public void Record(string cache, IReadOnlyCollection<string> removed, IReadOnlyCollection<string> pushed)
    {
        if (removed.Count == 0 && pushed.Count == 0)
        {
            return;
        }

        using var state = Open();
        state?.ForgetPushed(cache, removed);
        state?.MarkPushed(cache, pushed.Select(p => StorePath.Parse(p, Path.GetDirectoryName(p)!)));
    }

    private StateStore? Open() => File.Exists(Path.Combine(stateDir, DatabaseName)) ? StateStore.Open(stateDir) : null;

    private static string? HashPartOf(string fullPath)
    {
        string baseName = Path.GetFileName(fullPath);
        return baseName.Length > StorePath.HashLength ? baseName[..StorePath.HashLength] : null;
    }
}
