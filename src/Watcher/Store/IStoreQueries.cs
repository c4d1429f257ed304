using Watcher.Nix;

namespace Watcher.Store;

/// <summary>What the pipeline asks of the store: validity, path infos, closures and temporary GC roots.</summary>
/// <remarks><see cref="NixDaemonClient"/> answers over the daemon socket; unit tests answer from memory.</remarks>
internal interface IStoreQueries
{
    /// <summary>The store directory, without a trailing slash.</summary>
    string StoreDir { get; }

    /// <summary>Returns the valid subset of <paramref name="paths"/>.</summary>
    Task<IReadOnlySet<StorePath>> QueryValidPathsAsync(IEnumerable<StorePath> paths, CancellationToken cancellationToken);

    /// <summary>Every valid path in the store.</summary>
    Task<IReadOnlyList<StorePath>> QueryAllValidPathsAsync(CancellationToken cancellationToken);

    /// <summary>The path infos of <paramref name="paths"/>, in their order; null where a path is not valid.</summary>
    Task<IReadOnlyList<PathInfo?>> QueryPathInfosAsync(IReadOnlyList<StorePath> paths, CancellationToken cancellationToken);

    /// <summary>The path infos of the closure of <paramref name="roots"/>, references first (<see cref="ClosureOrder"/>).</summary>
    Task<IReadOnlyList<PathInfo>> QueryClosureAsync(IEnumerable<StorePath> roots, CancellationToken cancellationToken);

    /// <summary>Protects <paramref name="paths"/> from garbage collection until the returned handle is disposed.</summary>
    Task<IDisposable> HoldTempRootsAsync(IEnumerable<StorePath> paths, CancellationToken cancellationToken);
}
