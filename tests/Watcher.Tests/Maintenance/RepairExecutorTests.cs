using Watcher.Maintenance;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Maintenance;

public sealed class RepairExecutorTests
{
    [Fact]
    public async Task ExecuteAsync_PathTheConfigExcludes_IsReportedNotPushed()
    {
        var texlive = TestPaths.Path("texlive-full");
        var doc = TestPaths.Path("doc");
        var lib = TestPaths.Path("lib");
        var plan = new RepairPlan([], [], new Dictionary<string, string>(), [doc, lib], new HashSet<StorePath> { doc, lib });
        var result = new RepairPushResult(
            new Dictionary<StorePath, PathOutcome> { [lib] = new(PathOutcomeKind.Pushed) },
            new Dictionary<StorePath, StorePath> { [doc] = texlive });
        using var dir = new TestCacheDir();
        var executor = new RepairExecutor(dir.Objects, (_, _, _) => Task.FromResult(result));
        var reported = new List<RepairAction>();

        var actions = await executor.ExecuteAsync(plan, reported.Add, TestContext.Current.CancellationToken);

        Assert.Equal(actions, reported);
        var excluded = Assert.Single(actions, a => a.Action == "excluded");
        Assert.Equal(doc.FullPath, excluded.StorePath);
        Assert.Equal($"not pushed: it refers to {texlive}, which matches exclude or skip-derivations", excluded.Detail);
        Assert.Equal(lib.FullPath, Assert.Single(actions, a => a.Action == "push").StorePath);
        Assert.Equal([lib.FullPath], executor.Pushed);
    }
}
