using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Store;

/// <summary>Client-side closure computation: breadth-first over references, then <see cref="ClosureOrder"/>.</summary>
internal sealed partial class NixDaemonClient
{
    /// <summary>
    /// Returns the path infos of every path reachable from <paramref name="roots"/> through references,
    /// references first (<see cref="ClosureOrder"/>). Each BFS level
    /// is queried in pipelined batches spread over the pool. Throws <see cref="NixDaemonException"/> when
    /// a root is not valid, as Nix's own closure walk does.
    /// </summary>
    public async Task<IReadOnlyList<PathInfo>> QueryClosureAsync(IEnumerable<StorePath> roots, CancellationToken cancellationToken)
    {
        var frontier = ValidateAll(roots, nameof(roots));
        var infos = new Dictionary<StorePath, PathInfo>();
        var seen = new HashSet<StorePath>(frontier);
        while (frontier.Count > 0)
        {
            var level = await QueryPathInfosAsync(frontier, cancellationToken);
            var next = new List<StorePath>();
            for (int i = 0; i < frontier.Count; i++)
            {
                var info = level[i] ?? throw new NixDaemonException($"path '{frontier[i]}' is not valid");
                infos.Add(info.Path, info);
                foreach (var reference in info.ReferencesExceptSelf)
                {
                    if (seen.Add(reference))
                    {
                        next.Add(reference);
                    }
                }
            }

            frontier = next;
        }

        return ClosureOrder.Sort(infos.Values);
    }

    /// <summary>Queries many paths, in pipelined batches run in parallel on pooled connections; null where not valid.</summary>
    public async Task<IReadOnlyList<PathInfo?>> QueryPathInfosAsync(IReadOnlyList<StorePath> paths, CancellationToken cancellationToken)
    {
        foreach (var path in paths)
        {
            EnsureInStore(path, nameof(paths));
        }

        var batches = paths.Chunk(DaemonConnection.MaxPipelinedRequests)
            .Select(batch => _pool.RunAsync((c, ct) => c.QueryPathInfosAsync(batch, ct), cancellationToken))
            .ToList();
        var results = await Task.WhenAll(batches);
        return results.SelectMany(batch => batch).ToList();
    }
}
