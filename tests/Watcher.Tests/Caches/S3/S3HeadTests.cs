using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Caches;
using Watcher.Caches.S3;
using Watcher.Config;
using Watcher.Core;

namespace Watcher.Tests.Caches.S3;

/// <summary>
/// Pushing and maintenance ask an S3 cache whether a key exists through one HEAD with one meaning: 404 and 403 (a
/// bucket that forbids listing answers 403 for a key it lacks) are both "not there"; anything else is an error.
/// </summary>
public sealed class S3HeadTests
{
    private static readonly S3CacheOptions Options = new()
    {
        Name = "bucket",
        Bucket = "b",
        Endpoint = new Uri("http://127.0.0.1:9"),
        Region = "us-east-1",
        SigningKeyFile = "unused",
    };

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task Stat_KeyTheServerDoesNotShow_IsMissingForMaintenanceAsForPushing(HttpStatusCode status)
    {
        using var client = new HeadAnswering(status);
        using var objects = S3CacheObjects.Open(Options, client, SingleAttempt.Instance, new FakeTimeProvider(), NullLogger.Instance);

        Assert.Null(await objects.StatAsync("abc.narinfo", TestContext.Current.CancellationToken));
        Assert.Null(await objects.ReadCacheInfoIdentityAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RefreshOutcome.Missing, await objects.RefreshAsync("abc.narinfo", TestContext.Current.CancellationToken));
        Assert.Equal(3, client.Heads);
    }

    [Fact]
    public async Task Stat_ServerError_IsAnErrorNotAMissingKey()
    {
        using var client = new HeadAnswering(HttpStatusCode.InternalServerError);
        using var objects = S3CacheObjects.Open(Options, client, SingleAttempt.Instance, new FakeTimeProvider(), NullLogger.Instance);

        var error = await Assert.ThrowsAsync<CacheUploadException>(() => objects.StatAsync("abc.narinfo", TestContext.Current.CancellationToken));
        Assert.Equal(500, error.StatusCode);
    }

    /// <summary>An S3 client whose HEADs all fail with one status; nothing goes on the network.</summary>
    private sealed class HeadAnswering(HttpStatusCode status)
        : AmazonS3Client(new BasicAWSCredentials("a", "b"), new AmazonS3Config { ServiceURL = "http://127.0.0.1:9", ForcePathStyle = true })
    {
        public int Heads { get; private set; }

        public override Task<GetObjectMetadataResponse> GetObjectMetadataAsync(GetObjectMetadataRequest request, CancellationToken cancellationToken = default)
        {
            Heads++;
            throw new AmazonS3Exception($"HEAD {request.Key}: {(int)status}") { StatusCode = status };
        }
    }
}
