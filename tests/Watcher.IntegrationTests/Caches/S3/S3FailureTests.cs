using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary>What <c>nix-watcher push</c> does when the S3 server dies, refuses or cannot be found.</summary>
[Collection(NixCollection.Name)]
public sealed class S3FailureTests(NixFixture nix, S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task Push_ServerKilledMidMultipart_NothingPublishedThenCompletesAfterRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        string big = await S3TestCache.BigPathAsync(ct);
        await using var server = await S3rver.StartAsync(ct);
        string bucket = "killed";
        await server.CreateBucketAsync(bucket, ct);
        await using var front = await S3Front.StartAsync(server.Endpoint, maxBodyBytes: 100_000_000, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket);
        front.OnceForwarded(60_000_000, server.Kill);

        var failed = await cache.PushAsync([big], ct);

        Assert.True(failed.ExitCode == 1, failed.StandardError + failed.StandardOutput);
        Assert.Contains(S3TestCache.Summary(0, 0, 1), failed.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", failed.StandardError, StringComparison.Ordinal);
        Assert.True(Regex.Count(failed.StandardError, "cannot abort multipart uploads") <= 1, failed.StandardError);
        await server.RestartAsync(ct);
        using var client = server.CreateClient();
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.DoesNotContain(narInfos.Values, n => n.StorePath.FullPath == big);

        var again = await cache.PushAsync([big], ct);

        Assert.True(again.ExitCode == 0, again.StandardError + again.StandardOutput);
        Assert.Contains(S3TestCache.Summary(1, 0, 0), again.StandardOutput, StringComparison.Ordinal);
        narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.Contains(narInfos.Values, n => n.StorePath.FullPath == big);
        string store = Path.Combine(cache.Home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(server.Endpoint), cache.PublicKey.ToString(), store, [big], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Push_WrongSecret_OneClearErrorWithoutTheSecret()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(2, ct);
        string bucket = await s3.NewBucketAsync(ct);

        // s3rver checks access key ids but not signatures: the front checks them.
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, S3rver.SecretKey, ct);
        const string Secret = "wrong-secret-5ee1c0de";
        using var wrong = new S3TestCache(front.Endpoint, bucket, Secret);

        var push = await wrong.PushAsync([outputs[^1]], ct);

        AssertOneClearError(push, wrong, "credentials were rejected (SignatureDoesNotMatch)", Secret);
        using var right = new S3TestCache(front.Endpoint, bucket);
        var again = await right.PushAsync([outputs[^1]], ct);
        Assert.True(again.ExitCode == 0, again.StandardError);
    }

    [Fact]
    public async Task Push_UnknownAccessKey_OneClearErrorWithoutTheSecret()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(2, ct);
        string bucket = await s3.NewBucketAsync(ct);
        const string Secret = "other-secret-5ee1c0de";
        using var cache = new S3TestCache(s3.Server.Endpoint, bucket, Secret, "NOSUCHKEY");

        var push = await cache.PushAsync([outputs[^1]], ct);

        AssertOneClearError(push, cache, "credentials were rejected (InvalidAccessKeyId)", Secret);
    }

    [Fact]
    public async Task Push_MissingBucket_OneClearError()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(2, ct);
        using var cache = new S3TestCache(s3.Server.Endpoint, "no-such-bucket");

        var push = await cache.PushAsync([outputs[^1]], ct);

        AssertOneClearError(push, cache, "bucket does not exist", S3rver.SecretKey);
    }

    [Fact]
    public async Task Push_UnreachableEndpoint_OneClearError()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(2, ct);
        using var cache = new S3TestCache(new Uri($"http://127.0.0.1:{S3rver.ClosedPort()}"), "anything");

        var push = await cache.PushAsync([outputs[^1]], ct);

        AssertOneClearError(push, cache, "cannot reach the endpoint", S3rver.SecretKey);
    }

    private static void AssertOneClearError(ProcessResult push, S3TestCache cache, string reason, string secret)
    {
        string all = push.StandardError + push.StandardOutput;
        Assert.True(push.ExitCode == 1, $"exit {push.ExitCode}\n{all}");
        Assert.Contains(S3TestCache.Summary(0, 0, 2), push.StandardOutput, StringComparison.Ordinal);
        var errors = Regex.Matches(push.StandardError, "cannot push to bucket: .*");
        Assert.True(errors.Count == 1, all);
        string error = errors[0].Value;
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains($"bucket '{cache.Bucket}'", error, StringComparison.Ordinal);
        Assert.Contains(cache.Endpoint.ToString().TrimEnd('/'), error, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
    }
}
