using Amazon.S3.Model;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary><c>nix-watcher push</c> to a real S3 server (s3rver), read back by real Nix over HTTP.</summary>
[Collection(NixCollection.Name)]
public sealed class S3PushTests(NixFixture nix, S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const long MiB = 1 << 20;

    [Fact]
    public async Task Push_ClosureAndLargePath_RealNixSubstitutesAllWithSignaturesRequired()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(8, ct);
        string big = await S3TestCache.BigPathAsync(ct);
        string bucket = await s3.NewBucketAsync(ct);
        using var client = s3.Server.CreateClient();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "nix-cache-info", ContentBody = "StoreDir: /nix/store\nPriority: 42\n", ContentType = "text/x-nix-cache-info", UseChunkEncoding = false }, ct);
        using var cache = new S3TestCache(s3.Server.Endpoint, bucket);

        var push = await cache.PushAsync([outputs[^1], big], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Contains(S3TestCache.Summary(9, 0, 0), push.StandardOutput, StringComparison.Ordinal);
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.Equal(9, narInfos.Count);
        foreach (var (key, narInfo) in narInfos)
        {
            await AssertObjectAsync(client, bucket, key, "text/x-nix-narinfo", ct);
            await AssertObjectAsync(client, bucket, narInfo.Url, "application/x-nix-nar", ct);
            Assert.Matches(@"^nar/[0-9a-z]{52}\.nar\.zst$", narInfo.Url);
        }

        Assert.True(narInfos.Values.Single(n => n.StorePath.FullPath == big).FileSize > 150_000_000);
        string store = Path.Combine(cache.Home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(s3.Server.Endpoint), cache.PublicKey.ToString(), store, [outputs[^1], big], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        foreach (string path in (string[])[.. outputs, big])
        {
            Assert.Equal(await NixVerifier.NarHashAsync(path, null, ct), await NixVerifier.NarHashAsync(path, store, ct));
        }

        var second = await cache.PushAsync([outputs[^1], big], ct);

        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Contains(S3TestCache.Summary(0, 9, 0), second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Priority: 42", await ReadTextAsync(client, bucket, "nix-cache-info", ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_EmptyBucket_WritesNixCacheInfoOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(1, ct);
        string bucket = await s3.NewBucketAsync(ct);
        using var client = s3.Server.CreateClient();
        using var cache = new S3TestCache(s3.Server.Endpoint, bucket);

        var push = await cache.PushAsync([outputs[0]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.Equal("StoreDir: /nix/store\n", await ReadTextAsync(client, bucket, "nix-cache-info", ct));
        await AssertObjectAsync(client, bucket, "nix-cache-info", "text/x-nix-cache-info", ct);
    }

    [Fact]
    public async Task Push_FrontRejectingBodiesOver100MB_LargePathGoesUpInParts()
    {
        var ct = TestContext.Current.CancellationToken;
        string big = await S3TestCache.BigPathAsync(ct);
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, maxBodyBytes: 100_000_000, secretKey: S3rver.SecretKey, ct);
        using var client = s3.Server.CreateClient();
        using var cache = new S3TestCache(front.Endpoint, bucket);

        var push = await cache.PushAsync([big], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Contains(S3TestCache.Summary(1, 0, 0), push.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, front.Rejected);
        Assert.InRange(front.LargestBody, 5 * MiB, 64 * MiB);
        Assert.Single(await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct));
        string store = Path.Combine(cache.Home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(s3.Server.Endpoint), cache.PublicKey.ToString(), store, [big], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Push_TwoPushersOverlappingClosuresAtOnce_EveryNarInfoValid()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(24, ct);
        string bucket = await s3.NewBucketAsync(ct);
        using var client = s3.Server.CreateClient();
        using var first = new S3TestCache(s3.Server.Endpoint, bucket);
        using var second = new S3TestCache(s3.Server.Endpoint, bucket, keyFileText: first.KeyFileText);

        var results = await Task.WhenAll(first.PushAsync([outputs[17]], ct), second.PushAsync([outputs[^1]], ct));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.StandardError + r.StandardOutput));
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, first.PublicKey, ct);
        Assert.Equal(24, narInfos.Count);
        string store = Path.Combine(first.Home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync(first.HttpUrl(s3.Server.Endpoint), first.PublicKey.ToString(), store, [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    private static async Task AssertObjectAsync(Amazon.S3.AmazonS3Client client, string bucket, string key, string contentType, CancellationToken cancellationToken)
    {
        var metadata = await client.GetObjectMetadataAsync(bucket, key, cancellationToken);
        Assert.Equal(contentType, metadata.Headers.ContentType);
        Assert.True(string.IsNullOrEmpty(metadata.Headers.ContentEncoding), $"{key} has Content-Encoding {metadata.Headers.ContentEncoding}");
    }

    private static async Task<string> ReadTextAsync(Amazon.S3.AmazonS3Client client, string bucket, string key, CancellationToken cancellationToken)
    {
        using var response = await client.GetObjectAsync(bucket, key, cancellationToken);
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
