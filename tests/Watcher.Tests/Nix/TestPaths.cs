using Watcher.Nix;

namespace Watcher.Tests.Nix;

/// <summary>Store paths and path infos for tests: named paths with made-up hashes, chains and DAGs.</summary>
internal static class TestPaths
{
    /// <summary>Path i references i-1 and i/2 (and itself), like a real closure.</summary>
    public static List<PathInfo> Dag(int count, string prefix = "p")
    {
        var list = new List<PathInfo>();
        for (int i = 0; i < count; i++)
        {
            var path = MakePath(prefix, i);
            var refs = new List<StorePath> { path };
            if (i > 0)
            {
                refs.Add(list[i - 1].Path);
                refs.Add(list[i / 2].Path);
            }

            list.Add(new PathInfo { Path = path, NarHash = new byte[32], NarSize = 8, References = refs.Distinct().ToList() });
        }

        return list;
    }

    /// <summary>A path named <paramref name="name"/> with the given references (and itself).</summary>
    public static PathInfo Info(string name, IReadOnlyList<StorePath> references)
    {
        var path = MakePath(name, 0);
        return new PathInfo { Path = path, NarHash = new byte[32], NarSize = 8, References = [path, .. references] };
    }

    public static List<PathInfo> Independent(int count, string prefix = "q") =>
        Enumerable.Range(0, count).Select(i => new PathInfo { Path = MakePath(prefix, i), NarHash = new byte[32], NarSize = 8, References = [] }).ToList();

    public static StorePath MakePath(string prefix, int i) =>
        StorePath.FromBaseName(Nix32.Encode(NixHash.Sha256(System.Text.Encoding.UTF8.GetBytes(prefix + i)).AsSpan(0, 20)) + "-" + prefix + i);

    /// <summary>A store path named <paramref name="name"/> (its hash made up from the name).</summary>
    public static StorePath Path(string name) => MakePath(name, 0);
}
