using Watcher.Nix;
using Watcher.State;

namespace Watcher.Maintenance;

/// <summary>
/// Corrects the daemon's pushed set (a hint, not the truth) from what a cache was found to hold: paths the cache does
/// not have whole are forgotten (and unseen), so the daemon's next scan that covers them pushes them again; paths a
/// repair or gc removed are forgotten. A command opens the state only when it
/// exists (it does nothing before the daemon ever ran); the daemon passes its own.
/// </summary>
internal sealed class MaintenanceJournal
{
    private const string DatabaseName = "state.db";

    private readonly string? _stateDir;
    private readonly StateStore? _state;

    /// <summary>A journal in <paramref name="stateDir"/>, opened for each correction if it exists.</summary>
    public MaintenanceJournal(string stateDir) => _stateDir = stateDir;

    /// <summary>The daemon's open journal.</summary>
    public MaintenanceJournal(StateStore state) => _state = state;

    /// <summary>Forgets every pushed path of <paramref name="cache"/> whose hash part <paramref name="isWhole"/> rejects.</summary>
    /// <returns>How many were forgotten.</returns>
    public int ForgetUnless(string cache, Func<string, bool> isWhole) => Use(state =>
    {
        var stale = state.PushedPaths(cache).Where(p => HashPartOf(p) is not { } hash || !isWhole(hash)).ToList();
        state.ForgetLost(cache, stale);
        return stale.Count;
    });

    /// <summary>Records what a repair or gc changed: removed paths are forgotten, paths pushed again are known.</summary>
    public void Record(string cache, IReadOnlyCollection<string> removed, IReadOnlyCollection<string> pushed)
    {
        if (removed.Count == 0 && pushed.Count == 0)
        {
            return;
        }

        Use(state =>
        {
            state.ForgetPushed(cache, removed);
            state.MarkPushed(cache, pushed.Select(p => StorePath.Parse(p, Path.GetDirectoryName(p)!)));
            return 0;
        });
    }

    private int Use(Func<StateStore, int> action)
    {
        if (_state is not null)
        {
            return action(_state);
        }

        if (!File.Exists(Path.Combine(_stateDir!, DatabaseName)))
        {
            return 0;
        }

        using var state = StateStore.Open(_stateDir!);
        return action(state);
    }

    private static string? HashPartOf(string fullPath)
    {
        string baseName = Path.GetFileName(fullPath);
        return baseName.Length > StorePath.HashLength ? baseName[..StorePath.HashLength] : null;
    }
}
