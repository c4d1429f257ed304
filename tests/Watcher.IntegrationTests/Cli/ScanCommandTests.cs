using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Cli;

/// <summary><c>nix-watcher scan</c>: the configured roots' closures go to every cache, and nothing else.</summary>
[Collection(NixCollection.Name)]
public sealed class ScanCommandTests(NixFixture nix)
{
    [Fact]
    public async Task Scan_Roots_PushesTheRootsClosuresOnlyAndExitsZero()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(5, ct);
        var unrelated = await nix.BuildChainAsync(1, ct);
        string cache = Path.Combine(home.Root, "cache");
        string config = WriteConfig(home, cache, outputs[^1]);

        var scan = await home.RunAsync(["--config", config, "scan"], ct);
        var again = await home.RunAsync(["--config", config, "scan"], ct);

        Assert.True(scan.ExitCode == 0, scan.StandardOutput + scan.StandardError);
        Assert.Matches(@"^local: 5 pushed, 0 already present, 0 failed; 0 filtered, [0-9.]+ (B|KiB) in [0-9.]+ s\n$", scan.StandardOutput);
        Assert.All(outputs, o => Assert.True(File.Exists(Path.Combine(cache, Path.GetFileName(o)[..32] + ".narinfo")), o));
        Assert.False(File.Exists(Path.Combine(cache, Path.GetFileName(unrelated[0])[..32] + ".narinfo")));
        Assert.Contains("scan root /nonexistent/profile skipped: does not exist", scan.StandardError, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.StandardOutput + again.StandardError);
        Assert.Matches(@"^local: 0 pushed, 5 already present, 0 failed; 0 filtered, 0 B in [0-9.]+ s\n$", again.StandardOutput);
    }

    [Fact]
    public async Task Scan_CacheCannotBeWritten_ExitsOne()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(2, ct);
        string cache = Path.Combine(home.Root, "cache-is-a-file");
        await File.WriteAllTextAsync(cache, string.Empty, ct);
        string config = WriteConfig(home, cache, outputs[^1]);

        var scan = await home.RunAsync(["--config", config, "scan"], ct);

        Assert.True(scan.ExitCode == 1, scan.StandardOutput + scan.StandardError);
        Assert.Matches(@"^local: 0 pushed, 0 already present, 2 failed; 0 filtered, 0 B in [0-9.]+ s\n$", scan.StandardOutput);
    }

    [Fact]
    public async Task Scan_ScanNone_PushesNothingUnlessAll()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        string cache = Path.Combine(home.Root, "cache");
        string config = WriteConfig(home, cache, root: null, scan: "none");

        var scan = await home.RunAsync(["--config", config, "scan"], ct);

        Assert.Equal(0, scan.ExitCode);
        Assert.Contains("watch.scan is \"none\": nothing to scan", scan.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(cache));
    }

    private static string WriteConfig(WatcherHome home, string cache, string? root, string scan = "roots")
    {
        var (key, keyText) = NixSecretKey.Generate("scan-it-1");
        key.Dispose();
        File.WriteAllText(Path.Combine(home.Root, "signing.key"), keyText);
        string roots = "\"/nonexistent/profile\"";
        if (root is not null)
        {
            string link = Path.Combine(home.Root, "profile");
            File.CreateSymbolicLink(link, root);
            roots += $", \"{link}\"";
        }

        string config = Path.Combine(home.Root, "nix-watcher.toml");
        File.WriteAllText(config, $"""
            [watch]
            scan = "{scan}"
            roots = [{roots}]

            [caches.local]
            type = "file"
            path = "{cache}"
            signing-key-file = "{home.Root}/signing.key"
            """);
        return config;
    }
}
