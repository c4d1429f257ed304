using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.IntegrationTests.Store;

[Collection(NixCollection.Name)]
public sealed class TempRootTests(NixFixture nix)
{
    [Fact]
    public async Task HoldTempRootsAsync_WhileHeld_GarbageCollectionCannotDeleteThePath()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(1, ct);
        using var client = new NixDaemonClient();

        // A query first leaves a connection idle in the pool: the roots go on it, and must go away with it.
        Assert.True(await client.IsValidAsync(StorePath.Parse(outputs[0]), ct));
        using (await client.HoldTempRootsAsync([StorePath.Parse(outputs[0])], ct))
        {
            var refused = await ProcessRunner.RunAsync("nix-store", ["--delete", outputs[0]], cancellationToken: ct);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.True(Directory.Exists(outputs[0]));
        }

        var deleted = await ProcessRunner.RunAsync("nix-store", ["--delete", outputs[0]], cancellationToken: ct);
        Assert.True(deleted.ExitCode == 0, deleted.StandardError);
        Assert.False(await client.IsValidAsync(StorePath.Parse(outputs[0]), ct));
    }

    [Fact]
    public async Task HoldTempRootsAsync_TopOfAClosure_KeepsEveryPathBelowIt()
    {
        // A push round holds only the paths nothing else in it refers to: the collector keeps the closure of a root.
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(3, ct);
        using var client = new NixDaemonClient();

        using (await client.HoldTempRootsAsync([StorePath.Parse(outputs[^1])], ct))
        {
            var refused = await ProcessRunner.RunAsync("nix-store", ["--delete", .. outputs.Reverse()], cancellationToken: ct);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.All(outputs, o => Assert.True(Directory.Exists(o), $"{o} was deleted under a held referrer"));
        }

        var deleted = await ProcessRunner.RunAsync("nix-store", ["--delete", .. outputs.Reverse()], cancellationToken: ct);
        Assert.True(deleted.ExitCode == 0, deleted.StandardError);
    }
}
