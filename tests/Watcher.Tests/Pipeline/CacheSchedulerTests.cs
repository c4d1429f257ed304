using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.Tests.Upload;

namespace Watcher.Tests.Pipeline;

public sealed class CacheSchedulerTests
{
    [Fact]
    public void TopologicalOrder_ShuffledDag_PutsEveryReferenceFirst()
    {
        var dag = PushSessionTests.Dag(60);
        var shuffled = dag.OrderBy(p => p.Path.HashPart, StringComparer.Ordinal).ToList();

        var order = CacheScheduler.TopologicalOrder(shuffled);

        Assert.Equal(60, order.Count);
        var position = order.Select((p, i) => (p.Path, i)).ToDictionary(x => x.Path, x => x.i);
        Assert.All(order, info => Assert.All(info.ReferencesExceptSelf, r => Assert.True(position[r] < position[info.Path])));
    }

    [Fact]
    public void TopologicalOrder_ReferencesOutsideTheBatch_AreTreatedAsDone()
    {
        var dag = PushSessionTests.Dag(10);

        var order = CacheScheduler.TopologicalOrder(dag.Skip(5).ToList());

        Assert.Equal(dag.Skip(5).Select(p => p.Path.FullPath).Order(StringComparer.Ordinal), order.Select(p => p.Path.FullPath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TopologicalOrder_SelfReference_DoesNotBlock()
    {
        var path = StorePath.FromBaseName("00000000000000000000000000000000-self");
        var info = new PathInfo { Path = path, NarHash = new byte[32], NarSize = 8, References = [path] };

        Assert.Single(CacheScheduler.TopologicalOrder([info]));
    }
}
