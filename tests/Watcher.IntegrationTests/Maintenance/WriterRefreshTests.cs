using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;
using Watcher.State;

namespace Watcher.IntegrationTests.Maintenance;

/// <summary>
/// A push that relies on paths a cache has had for long refreshes them, so that <c>gc</c> with its smallest settings
/// keeps them, and pushes again one a <c>gc</c> removed instead of publishing over the hole: <c>nix-watcher push</c> to a
/// bucket in s3rver and to a file cache, and the daemon, whose journal knows the paths, to a bucket. Real Nix then
/// substitutes the closures with signatures required.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class WriterRefreshTests(NixFixture nix, S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static readonly TimeSpan Aged = TimeSpan.FromDays(10);

    [Fact]
    public async Task Push_AgedClosureInABucket_RefreshesItsNarinfosAndTheNarItReusesSoGcKeepsThemAndNixSubstitutes()
    {
        var ct = TestContext.Current.CancellationToken;
        var (outputs, bucket, cache) = await s3.PushedBucketAsync(nix, 3, ct);
        using var disposeCache = cache;
        using var client = s3.Server.CreateClient();
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        string middleNar = narInfos[Key(outputs[1])].Url;

        // A gc took the middle narinfo and left its NAR, and nothing was touched for ten days.
        await client.DeleteObjectAsync(bucket, Key(outputs[1]), ct);
        StoreGraph.Age(Path.Combine(s3.Server.Directory, bucket), Aged);
        var before = TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(1);

        var push = await cache.PushAsync([outputs[^1]], ct);

        push.EnsureSuccess("push again");
        Assert.Contains(S3TestCache.Summary(1, 2, 0), push.StandardOutput, StringComparison.Ordinal);
        foreach (string output in outputs)
        {
            Assert.True(await LastModifiedAsync(client, bucket, Key(output), ct) > before, $"the narinfo of {output} was not refreshed");
        }

        Assert.True(await LastModifiedAsync(client, bucket, middleNar, ct) > before, "the reused NAR was not refreshed");
        Assert.True(await LastModifiedAsync(client, bucket, narInfos[Key(outputs[0])].Url, ct) < before - TimeSpan.FromDays(9), "a NAR its narinfo names was refreshed needlessly");
        await GcDeletesNothingAsync(cache.Home, cache.ConfigFile, ct);
        Assert.Equal(3, (await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct)).Count);
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(s3.Server.Endpoint), cache.PublicKey.ToString(), Path.Combine(cache.Home.Root, "fresh-store"), [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Push_AgedClosureInAFileCache_RefreshesItsNarinfosSoGcKeepsThemAndNixSubstitutes()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(3, ct);
        using var home = new WatcherHome();
        var (key, keyText) = NixSecretKey.Generate("file-refresh-1");
        using var disposeKey = key;
        File.WriteAllText(Path.Combine(home.Root, "signing.key"), keyText);
        string config = Path.Combine(home.Root, "config.toml");
        File.WriteAllText(config, $"""
            state-dir = "{home.Root}/state"
            [caches.local]
            type = "file"
            path = "{home.CacheDir}"
            signing-key-file = "{home.Root}/signing.key"
            """);
        (await home.RunAsync(["--config", config, "push", outputs[^1]], ct)).EnsureSuccess("push");
        File.Delete(Path.Combine(home.CacheDir, Key(outputs[1])));
        StoreGraph.Age(home.CacheDir, Aged);
        var before = TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(1);

        var push = await home.RunAsync(["--config", config, "push", outputs[^1]], ct);

        push.EnsureSuccess("push again");
        Assert.Contains("local: 1 pushed, 2 already present, 0 failed", push.StandardOutput, StringComparison.Ordinal);
        Assert.All(outputs, o => Assert.True(File.GetLastWriteTimeUtc(Path.Combine(home.CacheDir, Key(o))) > before.UtcDateTime, $"the narinfo of {o} was not refreshed"));
        await GcDeletesNothingAsync(home, config, ct);
        var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, key.PublicKey.ToString(), Path.Combine(home.Root, "fresh-store"), [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Daemon_NewBuildOnPathsItsJournalKnows_PushesAgainTheOneGcTookAndRefreshesTheAgedOneItReliesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var (chain, bucket, cache) = await s3.PushedBucketAsync(nix, 3, ct);
        using var disposeCache = cache;
        using (var state = StateStore.Open(Path.Combine(cache.Home.Root, "state")))
        {
            // A daemon pushed them two days ago; since then a gc took the top one, and nothing touched the rest for ten days.
            var paths = chain.Select(p => StorePath.Parse(p)).ToList();
            state.MarkPushed("bucket", paths, TimeProvider.System.GetUtcNow() - TimeSpan.FromDays(2));
            state.MarkSeen(paths);
        }

        using var client = s3.Server.CreateClient();
        await client.DeleteObjectAsync(bucket, Key(chain[2]), ct);
        StoreGraph.Age(Path.Combine(s3.Server.Directory, bucket), Aged);
        var before = TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(1);
        await using var daemon = cache.StartDaemon(metrics: false);
        await daemon.WaitForLogAsync("start-up scan", ct);

        string built = await StoreGraph.BuildReferringAsync([chain[2]], ct);
        await daemon.WaitUntilAsync(() => S3TestCache.ListAsync(client, bucket, ct).GetAwaiter().GetResult().ContainsKey(Key(built)), "the new build's narinfo", ct);
        Assert.Equal(0, await daemon.StopAsync(ct));

        Assert.Contains($"{chain[2]} is no longer in bucket", daemon.Log, StringComparison.Ordinal);
        Assert.Contains("bucket: refreshed 1 narinfos older than a day", daemon.Log, StringComparison.Ordinal);
        Assert.True(await LastModifiedAsync(client, bucket, Key(chain[1]), ct) > before, "the reference the pushed-again path relies on was not refreshed");
        Assert.True(await LastModifiedAsync(client, bucket, Key(chain[0]), ct) < before - TimeSpan.FromDays(9), "a path relied on only through its referrer was refreshed");
        await GcDeletesNothingAsync(cache.Home, cache.ConfigFile, ct);
        // The daemon watches the whole store, so paths that other tests build meanwhile may be in the bucket too:
        // every narinfo verifies, and the chain and the new build are all there.
        var kept = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.All(chain.Append(built), path => Assert.Contains(Key(path), kept.Keys));
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(s3.Server.Endpoint), cache.PublicKey.ToString(), Path.Combine(cache.Home.Root, "fresh-store"), [built], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    /// <summary>Runs <c>gc</c> with the smallest settings it allows and checks that it deleted nothing.</summary>
    private static async Task GcDeletesNothingAsync(WatcherHome home, string config, CancellationToken cancellationToken)
    {
        var gc = await home.RunAsync(["--config", config, "gc", "--keep-days", "2", "--grace", "1h"], cancellationToken);
        Assert.True(gc.ExitCode == 0, gc.StandardError + gc.StandardOutput);
        Assert.Contains("deleted 0 narinfos (0 bytes) and 0 NARs (0 bytes)", gc.StandardOutput, StringComparison.Ordinal);
    }

    private static string Key(string storePath) => Path.GetFileName(storePath)[..32] + ".narinfo";

    private static async Task<DateTimeOffset> LastModifiedAsync(Amazon.S3.AmazonS3Client client, string bucket, string key, CancellationToken cancellationToken) =>
        Watcher.Caches.S3.S3Bucket.ToOffset((await client.GetObjectMetadataAsync(bucket, key, cancellationToken)).LastModified);
}
