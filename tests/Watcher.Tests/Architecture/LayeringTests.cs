using Watcher.Core;

namespace Watcher.Tests.Architecture;

/// <summary>
/// The app's folders form layers (docs/architecture.md, "Layers"): a folder uses only folders of lower layers, never
/// one of its own layer or above, so no two folders import each other, directly or around a cycle.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Bottom first. A folder may use the folders of the layers before its own.</summary>
    private static readonly string[][] Layers =
    [
        ["Core"],
        ["Nix"],
        ["Nar"],
        ["Store"],
        ["Config"],
        ["Metrics"],
        ["Caches/Zstd", "Caches/Bandwidth"],
        ["Caches"],
        ["Caches/Files", "Caches/S3", "Caches/Attic"],
        ["Caches/Factory"],
        ["State"],
        ["Push"],
        ["Pipeline", "Maintenance"],
        ["Watch"],
        ["Hosting"],
        ["Cli/Display"],
        ["Cli"],
        ["(root)"],
    ];

    private static readonly Lazy<FolderGraph> App = new(() => FolderGraph.Read(typeof(WatcherException).Assembly.Location));

    [Fact]
    public void NoFolderCycle()
    {
        var cycles = App.Value.Cycles();
        Assert.True(cycles.Count == 0, "folders that import each other: " + string.Join("; ", cycles.Select(Describe)));
    }

    [Fact]
    public void EveryFolderHasALayer()
    {
        var placed = Layers.SelectMany(l => l).ToHashSet(StringComparer.Ordinal);
        var unplaced = App.Value.Folders.Where(f => !placed.Contains(f)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unplaced.Count == 0, "folders without a layer in LayeringTests.Layers: " + string.Join(", ", unplaced));
    }

    [Fact]
    public void FoldersUseOnlyLowerLayers()
    {
        var layer = Layers.SelectMany((folders, i) => folders.Select(f => (f, i))).ToDictionary(x => x.f, x => x.i, StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (var from in App.Value.Folders.Where(layer.ContainsKey))
        {
            foreach (var (to, example) in App.Value.Uses(from))
            {
                if (layer.TryGetValue(to, out int toLayer) && toLayer >= layer[from])
                {
                    wrong.Add($"{from} → {to} ({example.From} uses {example.To})");
                }
            }
        }

        Assert.True(wrong.Count == 0, "uses of a folder at the same layer or above: " + string.Join("; ", wrong.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void CoreUsesNothingOfOurs()
    {
        Assert.Empty(App.Value.Uses("Core"));
    }

    [Fact]
    public void TheGraphSeesUsesInMethodBodies()
    {
        // PushSession names no cache backend in a signature, but its IL calls IBinaryCache: the reader must see it.
        Assert.Contains("Caches", App.Value.Uses("Push").Keys);
        // and a type used only as a constructor's argument in another type's body: Hosting creates the watcher service.
        Assert.Contains("Watch", App.Value.Uses("Hosting").Keys);
    }

    [Fact]
    public void CyclesAreFoundAroundAnyLength()
    {
        var graph = new FolderGraph();
        graph.Add("A", "B");
        graph.Add("B", "C");
        graph.Add("C", "A");
        graph.Add("C", "D");
        var cycle = Assert.Single(graph.Cycles());
        Assert.Equal(["A", "B", "C"], cycle);
    }

    private static string Describe(IReadOnlyList<string> cycle)
    {
        var members = cycle.ToHashSet(StringComparer.Ordinal);
        var edges = cycle.SelectMany(from => App.Value.Uses(from)
            .Where(e => members.Contains(e.Key))
            .Select(e => $"{from} → {e.Key} ({e.Value.From} uses {e.Value.To})"));
        return string.Join(", ", edges);
    }
}
