using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Upload.S3;

namespace Watcher.IntegrationTests.Cli;

/// <summary><c>nix-watcher check</c> against s3rver: the bucket and the credentials are checked by reading, never by writing.</summary>
[Collection(NixCollection.Name)]
public sealed class CheckS3Tests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task Check_EmptyBucket_IsOkAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await s3.NewBucketAsync(ct);
        using var cache = new S3TestCache(s3.Server.Endpoint, bucket);

        var check = await cache.Home.RunAsync(["--config", cache.ConfigFile, "check"], ct);

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        Assert.Contains($"cache bucket (s3 bucket '{bucket}' at {s3.Server.Endpoint.ToString().TrimEnd('/')}): ok; no nix-cache-info yet", check.StandardOutput, StringComparison.Ordinal);
        using var client = s3.Server.CreateClient();
        var listing = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket }, ct);
        Assert.Empty(listing.S3Objects ?? []);
    }

    [Theory]
    [InlineData("no-such-bucket", "S3RVER", "the bucket does not exist (NoSuchBucket)")]
    [InlineData(null, "NOSUCHKEY", "credentials were rejected (InvalidAccessKeyId)")]
    public async Task Check_MissingBucketOrUnknownKey_ExitsOneAndSaysWhy(string? bucketName, string accessKey, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = bucketName ?? await s3.NewBucketAsync(ct);
        const string Secret = "check-secret-5ee1c0de";
        using var cache = new S3TestCache(s3.Server.Endpoint, bucket, Secret, accessKey);

        var check = await cache.Home.RunAsync(["--config", cache.ConfigFile, "check"], ct);

        string text = check.StandardOutput + check.StandardError;
        Assert.True(check.ExitCode == 1, text);
        Assert.Contains($"cache bucket (s3 bucket '{bucket}' at ", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(expected, check.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
    }
}
