using Watcher.Nix;

namespace Watcher.Tests.Nix;

public sealed class ClosureOrderTests
{
    [Fact]
    public void Sort_ShuffledDag_PutsEveryReferenceFirst()
    {
        var dag = TestPaths.Dag(60);
        var shuffled = dag.OrderBy(p => p.Path.HashPart, StringComparer.Ordinal).ToList();

        var order = ClosureOrder.Sort(shuffled);

        Assert.Equal(60, order.Count);
        var position = order.Select((p, i) => (p.Path, i)).ToDictionary(x => x.Path, x => x.i);
        Assert.All(order, info => Assert.All(info.ReferencesExceptSelf, r => Assert.True(position[r] < position[info.Path])));
    }

    [Fact]
    public void Sort_InputOrder_DoesNotChangeTheResult()
    {
        var dag = TestPaths.Dag(30);

        Assert.Equal(ClosureOrder.Sort(dag).Select(p => p.Path), ClosureOrder.Sort(Enumerable.Reverse(dag)).Select(p => p.Path));
    }

    [Fact]
    public void Sort_ReferencesOutsideTheSet_AreIgnored()
    {
        var dag = TestPaths.Dag(10);

        var order = ClosureOrder.Sort(dag.Skip(5));

        Assert.Equal(dag.Skip(5).Select(p => p.Path.FullPath).Order(StringComparer.Ordinal), order.Select(p => p.Path.FullPath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Sort_SelfReference_DoesNotBlock()
    {
        var path = StorePath.FromBaseName("00000000000000000000000000000000-self");
        var info = new PathInfo { Path = path, NarHash = new byte[32], NarSize = 8, References = [path] };

        Assert.Single(ClosureOrder.Sort([info]));
    }

    [Fact]
    public void Sort_DeepChain_DoesNotOverflowTheStack()
    {
        var chain = new List<PathInfo>();
        for (int i = 0; i < 50_000; i++)
        {
            var path = TestPaths.MakePath("chain", i);
            chain.Add(new PathInfo { Path = path, NarHash = new byte[32], NarSize = 8, References = i == 0 ? [] : [chain[i - 1].Path] });
        }

        var order = ClosureOrder.Sort(Enumerable.Reverse(chain));

        Assert.Equal(chain.Select(p => p.Path), order.Select(p => p.Path));
    }
}
