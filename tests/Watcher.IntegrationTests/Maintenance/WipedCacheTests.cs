using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Maintenance;

/// <summary>
/// A running daemon notices that its bucket was wiped (its <c>nix-cache-info</c> is gone), without a restart: it writes
/// <c>nix-cache-info</c> again and pushes again what it had pushed, and real Nix substitutes it with signatures required.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class WipedCacheTests(NixFixture nix, S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task Daemon_BucketWipedWhileRunning_WritesNixCacheInfoAgainAndPushesItsPathsAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await s3.NewBucketAsync(ct);
        using var cache = new S3TestCache(s3.Server.Endpoint, bucket);
        using var client = s3.Server.CreateClient();
        await using var daemon = cache.StartDaemon(metrics: false);
        await daemon.WaitForLogAsync("start-up scan", ct);
        var outputs = await nix.BuildChainAsync(3, ct);
        var wanted = outputs.Select(o => Path.GetFileName(o)[..32] + ".narinfo").Append("nix-cache-info").ToList();
        await daemon.WaitUntilAsync(() => Has(client, bucket, wanted, ct), "the chain in the bucket", ct);

        foreach (string key in (await S3TestCache.ListAsync(client, bucket, ct)).Keys)
        {
            await client.DeleteObjectAsync(bucket, key, ct);
        }

        await daemon.WaitForLogAsync("the nix-cache-info of bucket is gone: the cache was wiped; forgetting the ", ct);
        await daemon.WaitUntilAsync(() => Has(client, bucket, wanted, ct), "the chain in the bucket again", ct);
        Assert.Equal(0, await daemon.StopAsync(ct));

        Assert.Subset((await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct)).Keys.ToHashSet(), wanted.Take(3).ToHashSet());
        Assert.Equal(1, daemon.Log.Split('\n').Count(l => l.Contains("nix-cache-info of bucket is gone", StringComparison.Ordinal)));
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(s3.Server.Endpoint), cache.PublicKey.ToString(), Path.Combine(cache.Home.Root, "fresh-store"), [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    private static bool Has(Amazon.S3.AmazonS3Client client, string bucket, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var listed = S3TestCache.ListAsync(client, bucket, cancellationToken).GetAwaiter().GetResult();
        return keys.All(listed.ContainsKey);
    }
}
