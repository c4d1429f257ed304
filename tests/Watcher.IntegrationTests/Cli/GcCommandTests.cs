using System.Text.Json;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Maintenance;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// <c>nix-watcher gc</c> on a file cache and an s3rver bucket holding two closures, an old one and a fresh one that
/// shares part of it: exactly the fresh closure stays, and real Nix still substitutes it with signatures required.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class GcCommandTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    /// <summary>Two closures sharing a part: once "old" is aged, it and "old-only" are dead, the rest is live.</summary>
    internal static readonly (string, string[])[] Graph =
    [
        ("base", []),
        ("shared", ["base"]),
        ("old-only", []),
        ("old", ["shared", "old-only"]),
        ("fresh", ["shared"]),
    ];

    private static readonly TimeSpan Old = TimeSpan.FromDays(30);

    [Fact]
    public async Task Gc_FileCacheWithOldAndFreshClosures_KeepsExactlyTheFreshClosure()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var paths = await StoreGraph.BuildAsync(Graph, ct);
        (await home.RunAsync(["push", paths["old"]], ct)).EnsureSuccess("push old");
        StoreGraph.Age(home.CacheDir, Old);
        (await home.RunAsync(["push", paths["fresh"]], ct)).EnsureSuccess("push fresh");
        var before = Files(home.CacheDir);

        var dryRun = await home.RunAsync(["gc", "--keep-days", "7", "--dry-run"], ct);

        Assert.True(dryRun.ExitCode == 0, dryRun.StandardError + dryRun.StandardOutput);
        Assert.Contains("3 narinfos live; 2 narinfos (", dryRun.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(") and 2 NARs (", dryRun.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("dry run, nothing deleted", dryRun.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(before, Files(home.CacheDir));

        var gc = await home.RunAsync(["gc", "--keep-days", "7", "--json"], ct);

        Assert.True(gc.ExitCode == 0, gc.StandardError + gc.StandardOutput);
        using (var json = JsonDocument.Parse(gc.StandardOutput))
        {
            var cache = json.RootElement.GetProperty("caches")[0];
            Assert.Equal(2, cache.GetProperty("deleted_narinfos").GetProperty("count").GetInt32());
            Assert.Equal(2, cache.GetProperty("deleted_nars").GetProperty("count").GetInt32());
        }

        Assert.Equal(Hashes(paths, "base", "shared", "fresh"), Directory.GetFiles(home.CacheDir, "*.narinfo").Select(f => Path.GetFileName(f)[..32]).Order());
        Assert.Equal(3, Directory.GetFiles(Path.Combine(home.CacheDir, "nar")).Length);
        var verify = await home.RunAsync(["verify", "--deep"], ct);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        string store = Path.Combine(home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, PublicKey(home), store, [paths["fresh"]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Gc_BucketWithOldAndFreshClosures_KeepsExactlyTheFreshClosure()
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await s3.NewBucketAsync(ct);
        using var cache = new S3TestCache(s3.Server.Endpoint, bucket);
        var paths = await StoreGraph.BuildAsync(Graph, ct);
        (await cache.PushAsync([paths["old"]], ct)).EnsureSuccess("push old");
        StoreGraph.Age(Path.Combine(s3.Server.Directory, bucket), Old);
        (await cache.PushAsync([paths["fresh"]], ct)).EnsureSuccess("push fresh");
        using var client = s3.Server.CreateClient();
        var before = await S3TestCache.ListAsync(client, bucket, ct);

        var dryRun = await cache.Home.RunAsync(["--config", cache.ConfigFile, "gc", "--keep-days", "2", "--grace", "1h", "--dry-run"], ct);

        Assert.True(dryRun.ExitCode == 0, dryRun.StandardError + dryRun.StandardOutput);
        Assert.Contains("3 narinfos live; 2 narinfos (", dryRun.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(before, await S3TestCache.ListAsync(client, bucket, ct));

        var gc = await cache.Home.RunAsync(["--config", cache.ConfigFile, "gc", "--keep-days", "2", "--grace", "1h"], ct);

        Assert.True(gc.ExitCode == 0, gc.StandardError + gc.StandardOutput);
        Assert.Contains("deleted 2 narinfos (", gc.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(") and 2 NARs (", gc.StandardOutput, StringComparison.Ordinal);
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.Equal(Hashes(paths, "base", "shared", "fresh"), narInfos.Keys.Select(k => k[..32]).Order());
        Assert.Equal(3, (await S3TestCache.ListAsync(client, bucket, ct)).Keys.Count(k => k.StartsWith("nar/", StringComparison.Ordinal)));
        var verify = await cache.Home.RunAsync(["--config", cache.ConfigFile, "verify"], ct);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        string store = Path.Combine(cache.Home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(s3.Server.Endpoint), cache.PublicKey.ToString(), store, [paths["fresh"]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Gc_KeepPathAndKeepRoots_KeepTheirClosuresWhateverTheirAge()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var paths = await StoreGraph.BuildAsync(Graph, ct);
        (await home.RunAsync(["push", paths["old"], paths["fresh"]], ct)).EnsureSuccess("push");
        StoreGraph.Age(home.CacheDir, Old);
        string result = Path.Combine(home.Root, "result");
        File.CreateSymbolicLink(result, paths["old-only"]);

        var keepPath = await home.RunAsync(["gc", "--keep-days", "7", "--keep", result, "--dry-run"], ct);

        // Live: old-only; dead: base, shared, old, fresh.
        Assert.True(keepPath.ExitCode == 0, keepPath.StandardError + keepPath.StandardOutput);
        Assert.Contains("1 narinfo live; 4 narinfos (", keepPath.StandardOutput, StringComparison.Ordinal);

        // The default roots include ~/.nix-profile; here it leads to "old", whose closure is four of the five paths.
        File.CreateSymbolicLink(Path.Combine(home.Root, ".nix-profile"), paths["old"]);
        var keepRoots = await home.RunAsync(["gc", "--keep-days", "7", "--keep-roots", "--dry-run"], ct);

        Assert.True(keepRoots.ExitCode == 0, keepRoots.StandardError + keepRoots.StandardOutput);
        Assert.Contains("4 narinfos live; 1 narinfo (", keepRoots.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("the root /run/current-system does not lead into the store", keepRoots.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", "24h", "--keep-days 1 is below the minimum of 2")]
    [InlineData("7", "30m", "--grace 30m is below the minimum of 1h")]
    [InlineData("7", "soon", "--grace 'soon': expected a number and a unit")]
    public async Task Gc_SettingsBelowTheMinimums_AreRefusedWithTheReason(string keepDays, string grace, string message)
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();

        var gc = await home.RunAsync(["gc", "--keep-days", keepDays, "--grace", grace], ct);

        Assert.Equal(2, gc.ExitCode);
        Assert.Contains(message, gc.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(home.CacheDir));
    }

    [Fact]
    public async Task GcAndVerify_AtticCache_SayTheServerKeepsItsOwnRetentionAndExitTwo()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        string config = Path.Combine(home.Root, "config.toml");
        await File.WriteAllTextAsync(config, "[caches.home]\ntype = \"attic\"\nendpoint = \"http://127.0.0.1:9\"\ncache = \"private\"\n", ct);

        var gc = await home.RunAsync(["--config", config, "gc", "--keep-days", "7"], ct);
        var verify = await home.RunAsync(["--config", config, "verify", "--cache", "home"], ct);

        Assert.Equal(2, gc.ExitCode);
        Assert.Equal(2, verify.ExitCode);
        Assert.Contains("Attic cache", gc.StandardError, StringComparison.Ordinal);
        Assert.Contains("--retention-period", verify.StandardError, StringComparison.Ordinal);
    }

    internal static string PublicKey(WatcherHome home)
    {
        using var key = NixSecretKey.Parse(File.ReadAllText(Path.Combine(home.ConfigDir, "signing.key")));
        return key.PublicKey.ToString();
    }

    private static IEnumerable<string> Hashes(Dictionary<string, string> paths, params string[] names) =>
        names.Select(n => Path.GetFileName(paths[n])[..32]).Order();

    private static Dictionary<string, DateTime> Files(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
}
