using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Push;

/// <summary>
/// One push round, the same for the daemon's scheduler, <c>push</c>, <c>scan</c> and <c>verify --repair</c>: holds the
/// round's paths as temporary GC roots, runs the <see cref="PushSession"/> of each cache over them, and hands back the
/// outcomes for the caller to record in its journal (the daemon's state, a command's summary, a repair's report).
/// </summary>
/// <remarks>
/// <para>The paths come references first, sorted once by whoever made the round (<see cref="PushPlan"/>, the
/// scheduler's batch); the round does not sort them again.</para>
/// <para>The roots live on a daemon connection of their own for as long as the sessions run, so a concurrent
/// <c>nix-collect-garbage</c> cannot delete a path while its NAR streams. The collector keeps the closure of every
/// root, so only the round's tops (the paths no other path of the round refers to) are added: one root for the closure
/// of a <c>push</c>, not one per path.</para>
/// </remarks>
internal sealed class PushRound(IStoreQueries store)
{
    /// <summary>Holds <paramref name="paths"/> and pushes them (and makes sure of <paramref name="relied"/>) with <paramref name="session"/>.</summary>
    /// <returns>One outcome per path of <paramref name="paths"/> and of <paramref name="relied"/>.</returns>
    /// <param name="session">The push to one cache.</param>
    /// <param name="paths">The paths, references first.</param>
    /// <param name="relied">References of <paramref name="paths"/> that are not among them, with their store facts.</param>
    /// <param name="cancellationToken">Aborts uploads in progress.</param>
    /// <param name="stopStarting">Once cancelled, no new upload starts: the rest come back <see cref="PathOutcomeKind.Deferred"/>.</param>
    public Task<Dictionary<StorePath, PathOutcome>> PushAsync(
        PushSession session,
        IReadOnlyList<PathInfo> paths,
        IReadOnlyList<PathInfo> relied,
        CancellationToken cancellationToken,
        CancellationToken stopStarting = default) =>
        HoldingAsync(paths, () => session.PushAsync(paths, relied, cancellationToken, stopStarting), cancellationToken);

    /// <summary>
    /// Holds <paramref name="paths"/> while <paramref name="sessions"/> runs: for a round that pushes the same paths to
    /// several caches at once (<c>push</c>, <c>scan</c>), each through its own session, so each path is held once.
    /// </summary>
    /// <returns>What <paramref name="sessions"/> returns.</returns>
    public async Task<T> HoldingAsync<T>(IReadOnlyList<PathInfo> paths, Func<Task<T>> sessions, CancellationToken cancellationToken)
    {
        if (paths.Count == 0)
        {
            return await sessions();
        }

        using var roots = await store.HoldTempRootsAsync(Tops(paths), cancellationToken);
        return await sessions();
    }

    /// <summary>The paths of <paramref name="paths"/> that no other of them refers to: every other one is in their closure.</summary>
    internal static List<StorePath> Tops(IReadOnlyList<PathInfo> paths)
    {
        var referenced = paths.SelectMany(p => p.ReferencesExceptSelf).ToHashSet();
        return [.. paths.Where(p => !referenced.Contains(p.Path)).Select(p => p.Path)];
    }
}
