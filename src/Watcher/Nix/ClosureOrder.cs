namespace Watcher.Nix;

/// <summary>The one references-first order of a set of paths, used wherever a closure is pushed.</summary>
internal static class ClosureOrder
{
    /// <summary>
    /// Orders <paramref name="infos"/> so that each path comes after every reference of it that is also in the
    /// set; references outside the set (already in the cache, filtered, upstream) and self-references are
    /// ignored. Depth-first post-order, iterative so deep chains cannot overflow the stack, ties broken by path
    /// so the result does not depend on the input's order.
    /// </summary>
    public static List<PathInfo> Sort(IEnumerable<PathInfo> infos)
    {
        var byPath = new Dictionary<StorePath, PathInfo>();
        foreach (var info in infos)
        {
            byPath.TryAdd(info.Path, info);
        }

        var ordered = new List<PathInfo>(byPath.Count);
        var visited = new HashSet<StorePath>();
        var stack = new Stack<(PathInfo Info, int NextReference)>();
        foreach (var start in byPath.Values.OrderBy(i => i.Path.FullPath, StringComparer.Ordinal))
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
                while (index < references.Count && (references[index] == frame.Info.Path || !byPath.ContainsKey(references[index]) || !visited.Add(references[index])))
                {
                    index++;
                }

                if (index < references.Count)
                {
                    stack.Push((frame.Info, index + 1));
                    stack.Push((byPath[references[index]], 0));
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
