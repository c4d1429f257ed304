using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Nix;

[Collection(NixCollection.Name)]
public sealed class NixFixtureTests(NixFixture nix)
{
    [Fact]
    public async Task BuildChain_ReferencesEarlierOutputs_ClosureHasEveryPath()
    {
        var ct = TestContext.Current.CancellationToken;

        var outputs = await nix.BuildChainAsync(4, ct);

        Assert.Equal(4, outputs.Count);
        var closure = await ProcessRunner.RunAsync("nix-store", ["-qR", outputs[^1]], cancellationToken: ct);
        var paths = closure.EnsureSuccess("nix-store -qR").StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(outputs.Order(StringComparer.Ordinal), paths.Order(StringComparer.Ordinal));
    }
}
