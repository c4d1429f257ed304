using Microsoft.AspNetCore.Http;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;

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

    [Fact]
    public async Task Check_ServerWithoutLifecycleSupport_SaysItCannotTellAndStaysOk()
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await s3.NewBucketAsync(ct);
        using var cache = new S3TestCache(s3.Server.Endpoint, bucket);

        var check = await cache.Home.RunAsync(["--config", cache.ConfigFile, "check"], ct);

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        Assert.Contains("warning: the server does not report lifecycle rules (HTTP 501)", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("check: ok", check.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_BucketWithAnExpirationRule_WarnsThatGcReplacesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        front.Answer = async context =>
        {
            if (context.Request.Method != "GET" || !context.Request.Query.ContainsKey("lifecycle"))
            {
                return false;
            }

            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(LifecycleXml, context.RequestAborted);
            return true;
        };
        using var cache = new S3TestCache(front.Endpoint, bucket);

        var check = await cache.Home.RunAsync(["--config", cache.ConfigFile, "check"], ct);

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        Assert.True(check.StandardOutput.Contains("warning: the bucket's lifecycle rule 'expire-old' (prefix '', expires after 30 days) delete objects by age alone", StringComparison.Ordinal), check.StandardOutput);
        Assert.Contains("nix-watcher gc", check.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("'logs-only'", check.StandardOutput, StringComparison.Ordinal);
    }

    private const string LifecycleXml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <Rule><ID>expire-old</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>
          <Rule><ID>logs-only</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
        </LifecycleConfiguration>
        """;
}
