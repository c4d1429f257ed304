using Amazon.S3.Model;
using Watcher.Caches;
using Watcher.Caches.S3;
using Watcher.Config;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Maintenance;

/// <summary>Maintenance against s3rver: repairing a damaged bucket, and refreshing an object's last-modified time.</summary>
[Collection(NixCollection.Name)]
public sealed class S3MaintenanceTests(NixFixture nix, S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task VerifyRepair_DamagedBucket_PushesAgainUntilCleanAndNixSubstitutes()
    {
        var ct = TestContext.Current.CancellationToken;
        var (outputs, bucket, cache) = await s3.PushedBucketAsync(nix, 4, ct);
        using var disposeCache = cache;
        using var client = s3.Server.CreateClient();
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        string Key(int i) => Path.GetFileName(outputs[i])[..32] + ".narinfo";
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = narInfos[Key(1)].Url, ContentBody = "truncated", UseChunkEncoding = false }, ct);
        await client.DeleteObjectAsync(bucket, narInfos[Key(2)].Url, ct);
        await client.DeleteObjectAsync(bucket, Key(0), ct);

        var verify = await cache.Home.RunAsync(["--config", cache.ConfigFile, "verify"], ct);

        Assert.True(verify.ExitCode == 1, verify.StandardOutput + verify.StandardError);
        Assert.Contains($"{outputs[1]}: nar-size: {narInfos[Key(1)].Url}", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{outputs[2]}: nar-missing: {narInfos[Key(2)].Url}", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{outputs[1]}: reference-missing: {Key(0)}", verify.StandardOutput, StringComparison.Ordinal);

        var repair = await cache.Home.RunAsync(["--config", cache.ConfigFile, "verify", "--repair", "--deep"], ct);

        Assert.True(repair.ExitCode == 0, repair.StandardOutput + repair.StandardError);
        Assert.Contains("after repair: clean", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(4, (await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct)).Count);
        string store = Path.Combine(cache.Home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(s3.Server.Endpoint), cache.PublicKey.ToString(), store, [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task RefreshAsync_AgedNarInfo_MovesItsLastModifiedAndKeepsItsBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var (outputs, bucket, cache) = await s3.PushedBucketAsync(nix, 1, ct);
        using var disposeCache = cache;
        StoreGraph.Age(Path.Combine(s3.Server.Directory, bucket), TimeSpan.FromDays(10));
        string key = Path.GetFileName(outputs[0])[..32] + ".narinfo";
        using var objects = Objects(bucket);
        var before = await objects.StatAsync(key, ct);
        string text = await ReadAsync(objects, key, ct);

        var outcome = await objects.RefreshAsync(key, ct);

        Assert.Equal(RefreshOutcome.Refreshed, outcome);
        var after = await objects.StatAsync(key, ct);
        Assert.True(after!.LastModified > before!.LastModified.AddDays(9), $"{before.LastModified} → {after.LastModified}");
        Assert.Equal(text, await ReadAsync(objects, key, ct));
        using var client = s3.Server.CreateClient();
        Assert.Equal("text/x-nix-narinfo", (await client.GetObjectMetadataAsync(bucket, key, ct)).Headers.ContentType);
        Assert.Equal(RefreshOutcome.Missing, await objects.RefreshAsync("00000000000000000000000000000000.narinfo", ct));
    }

    [Fact]
    public async Task ReadCacheInfoIdentityAsync_BucketWipedAndWrittenAgain_HasAnotherIdentity()
    {
        var ct = TestContext.Current.CancellationToken;
        var (outputs, bucket, cache) = await s3.PushedBucketAsync(nix, 1, ct);
        using var disposeCache = cache;
        using var objects = Objects(bucket);
        var first = await objects.ReadCacheInfoIdentityAsync(ct);
        await foreach (var entry in objects.ListAsync(ct))
        {
            await objects.DeleteAsync(entry.Key, ct);
        }

        var wiped = await objects.ReadCacheInfoIdentityAsync(ct);

        // The S3 server stamps Last-Modified to the second: a real wait of just over one, so the new object's stamp differs.
        await Task.Delay(TimeSpan.FromSeconds(1.1), ct);
        (await cache.PushAsync([outputs[0]], ct)).EnsureSuccess("push again");

        var second = await objects.ReadCacheInfoIdentityAsync(ct);

        Assert.NotNull(first);
        Assert.Null(wiped);
        Assert.NotNull(second);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task ListAsync_BucketOfMoreThanOnePage_ListsEveryObjectOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await s3.NewBucketAsync(ct);
        using var client = s3.Server.CreateClient();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1100), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (i, c) =>
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = $"nar/{i:D5}.nar", ContentBody = "x", UseChunkEncoding = false }, c));
        using var objects = Objects(bucket);

        var listed = await objects.ListAsync(ct).ToListAsync(ct);

        Assert.Equal(1100, listed.Select(o => o.Key).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(1100, listed.Count);
    }

    private S3CacheObjects Objects(string bucket) => S3CacheObjects.Open(
        new S3CacheOptions { Name = "bucket", Bucket = bucket, Endpoint = s3.Server.Endpoint, Region = "us-east-1", SigningKeyFile = "unused" },
        s3.Server.CreateClient(),
        Watcher.Caches.SingleAttempt.Instance,
        TimeProvider.System,
        Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    private static async Task<string> ReadAsync(S3CacheObjects objects, string key, CancellationToken cancellationToken)
    {
        await using var stream = await objects.OpenReadAsync(key, cancellationToken);
        using var reader = new StreamReader(stream!);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
