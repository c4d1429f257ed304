using Amazon.S3.Model;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary>
/// Watcher against moto (the S3 mock boto's own tests use, from the sid root): multipart uploads that the server
/// really lists and aborts, which s3rver cannot show. moto checks no Content-MD5, so the bytes are checked here; real
/// Nix reads buckets from RGW (<see cref="RgwTests"/>): moto refuses its unsigned requests (403) whatever the bucket policy.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class MotoTests(NixFixture nix, MotoFixture moto) : IClassFixture<MotoFixture>
{
    [Fact]
    public async Task Push_LargePathInTenPartsOrMoreAndAClosure_EveryNarIntactAndNoUploadLeft()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(4, ct);
        string big = await S3TestCache.BigPathAsync(ct);
        using var cache = await moto.NewCacheAsync(ct);
        File.AppendAllText(cache.ConfigFile, "\npart-size-mb = 16\n");
        using var client = moto.Server.CreateClient();

        var push = await cache.PushAsync([outputs[^1], big], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Contains(S3TestCache.Summary(5, 0, 0), push.StandardOutput, StringComparison.Ordinal);
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, cache.Bucket, cache.PublicKey, ct);
        await S3TestCache.VerifyNarHashesAsync(client, cache.Bucket, narInfos.Values, ct);
        var bigNar = narInfos.Values.Single(n => n.StorePath.FullPath == big);
        var head = await client.GetObjectMetadataAsync(cache.Bucket, bigNar.Url, ct);
        Assert.True(int.Parse(head.ETag.Trim('"').Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture) >= 10, $"{bigNar.Url} has the ETag {head.ETag}, not one of ten parts or more");
        Assert.Empty((await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = cache.Bucket }, ct)).MultipartUploads ?? []);
    }

    // Real Nix cannot substitute from moto here (it answers Nix's unsigned GETs with 403); RgwTests substitutes the fleet's closure.
    [Fact]
    public async Task Push_TwoHostsSameClosureOtherBytesAtOnce_EveryNarInfoNamesAnIntactNarAndNoNarIsLeftOver()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(40, ct);
        using var fleet = await S3Fleet.CreateAsync(moto.Server, ct);

        await fleet.PushAndVerifyAsync(moto.Server, outputs, ct);
    }

    [Fact]
    public async Task Push_APartRefusedEveryTime_TheUploadIsAbortedAndTheServerListsNone()
    {
        var ct = TestContext.Current.CancellationToken;
        string big = await S3TestCache.BigPathAsync(ct);
        await using var front = await S3Front.StartAsync(moto.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        front.Refuse = request => request.Method == "PUT" && request.QueryString.Value?.Contains("partNumber=3", StringComparison.Ordinal) == true;
        string bucket = await moto.Server.NewBucketAsync(ct);
        using var cache = new S3TestCache(front.Endpoint, bucket, moto.Server.SecretKey, moto.Server.AccessKey);
        File.AppendAllText(cache.ConfigFile, "\npart-size-mb = 16\n[caches.bucket.retry]\nattempts = 2\nbase-delay-ms = 10\n");
        using var client = moto.Server.CreateClient();

        var push = await cache.PushAsync([big], ct);

        Assert.True(push.ExitCode != 0, push.StandardOutput);
        Assert.Contains(S3TestCache.Summary(0, 0, 1), push.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(front.Log, r => r.Method == "DELETE" && r.Target.Contains("uploadId=", StringComparison.Ordinal));
        Assert.Empty((await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket }, ct)).MultipartUploads ?? []);
        Assert.DoesNotContain((await S3TestCache.ListAsync(client, bucket, ct)).Keys, k => k.StartsWith("nar/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_AnUploadNobodyJournaledStartedTwoDaysAgo_TheListingFindsItAndItIsAborted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cache = await moto.NewCacheAsync(ct);
        using var client = moto.Server.CreateClient();
        const string Key = "nar/0000000000000000000000000000000000000000000000000000.nar.zst";
        var started = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = cache.Bucket, Key = Key }, ct);
        await client.UploadPartAsync(new UploadPartRequest { BucketName = cache.Bucket, Key = Key, UploadId = started.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[1024]), UseChunkEncoding = false }, ct);

        // The upload is two days old to a daemon whose clock runs two days ahead (moto checks no request's date). moto
        // itself lists every upload as initiated on 2010-11-10, so here the listing finds it old with any clock; the shift
        // is what makes it old on a server that lists the truth.
        await using var daemon = cache.StartDaemon(metrics: false, environment: FakeTime.Shifted(TimeSpan.FromDays(2)));
        await daemon.WaitForLogAsync($"aborting the multipart upload of {Key}", ct);
        Assert.Equal(0, await daemon.StopAsync(ct));

        Assert.Empty((await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = cache.Bucket }, ct)).MultipartUploads ?? []);
    }
}
