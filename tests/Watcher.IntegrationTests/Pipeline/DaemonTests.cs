using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary><c>nix-watcher run</c> against the real nix-daemon: detection, catch-up, shutdown.</summary>
[Collection(NixCollection.Name)]
public sealed class DaemonTests(NixFixture nix)
{
    [Fact]
    public async Task Run_PathsBuiltWhileRunning_AppearInTheCacheAndRealNixAcceptsThem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        await using var daemon = home.Start();
        await daemon.WaitForLogAsync("start-up scan", ct);

        var outputs = await nix.BuildChainAsync(6, ct);

        await daemon.WaitUntilAsync(() => outputs.All(home.HasNarInfo), "every output in the cache", ct);
        Assert.Equal(0, await daemon.StopAsync(ct));
        var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, home.PublicKey, Path.Combine(home.Root, "fresh"), [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Run_FailedBuild_ItsVanishedLockIsSkippedAndTheDaemonCarriesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        await using var daemon = home.Start();
        await daemon.WaitForLogAsync("start-up scan", ct);
        string failing = $$"""derivation { name = "wt-fail-{{Guid.NewGuid():N}}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "exit 1" ]; }""";

        await Assert.ThrowsAsync<InvalidOperationException>(() => NixFixture.BuildExpressionAsync(failing, ct));
        var outputs = await nix.BuildChainAsync(1, ct);

        await daemon.WaitUntilAsync(() => home.HasNarInfo(outputs[0]), "the good path in the cache", ct);
        Assert.False(daemon.HasExited);
        Assert.DoesNotContain("fail: ", daemon.Log, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Fact]
    public async Task Run_ScanAll_PushesPathsBuiltWhileItWasDown()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome(scan: "all", extraWatch: "exclude = [\"^wt-fail-\"]");

        // First run: the state has seen nothing, so mark the existing store as seen without pushing it
        // (scan = "none"), as a long-running install would have.
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile).Replace("scan = \"all\"", "scan = \"none\"", StringComparison.Ordinal));
        await using (var first = home.Start())
        {
            await first.WaitForLogAsync("start-up scan", ct);
            Assert.Equal(0, await first.StopAsync(ct));
        }

        var builtWhileDown = await nix.BuildChainAsync(4, ct);
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile).Replace("scan = \"none\"", "scan = \"all\"", StringComparison.Ordinal));

        await using var second = home.Start();

        await second.WaitUntilAsync(() => builtWhileDown.All(home.HasNarInfo), "paths built while down in the cache", ct);
        Assert.Contains("start-up scan (All)", second.Log, StringComparison.Ordinal);
        Assert.Equal(0, await second.StopAsync(ct));
    }

    [Fact]
    public async Task Run_Sigterm_ExitsZeroAndLeavesNothingHalfWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        await using var daemon = home.Start();
        await daemon.WaitForLogAsync("start-up scan", ct);

        Assert.Equal(0, await daemon.StopAsync(ct));
        Assert.Empty(Directory.Exists(home.CacheDir) ? Directory.GetFiles(home.CacheDir, ".tmp-*", SearchOption.AllDirectories) : []);
    }
}
