using Watcher.Nix;

namespace Watcher.Store;

/// <summary>Client-side closure computation: breadth-first over references, then a references-first order.</summary>
internal sealed partial class NixDaemonClient
{
    /// <summary>
    /// Returns the path infos of every path reachable from <paramref name="roots"/> through references,
    /// ordered so each path comes after all of its references (self-references ignored). Each BFS level
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

        return TopologicalOrder(infos);
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

    /// <summary>Depth-first post-order, iterative so deep chains cannot overflow the stack; ties broken by path for a stable result.</summary>
    private static List<PathInfo> TopologicalOrder(Dictionary<StorePath, PathInfo> infos)
    {
        var ordered = new List<PathInfo>(infos.Count);
        var visited = new HashSet<StorePath>();
        var stack = new Stack<(PathInfo Info, int NextReference)>();
        foreach (var start in infos.Values.OrderBy(i => i.Path.FullPath, StringComparer.Ordinal))
        {
            if (!visited.Add(start.Path))
            {
                continue;
            }

            stack.Push((start, 0));
            while (stack.TryPop(out var frame))
            {
                var references = frame.Info.References;
                int index = frame.NextReference;
                while (index < references.Count && (references[index] == frame.Info.Path || !visited.Add(references[index])))
                {
                    index++;
                }

                if (index < references.Count)
                {
                    stack.Push((frame.Info, index + 1));
                    stack.Push((infos[references[index]], 0));
                }
                else
                {
                    ordered.Add(frame.Info);
                }
            }
        }

        return ordered;
    }
}
