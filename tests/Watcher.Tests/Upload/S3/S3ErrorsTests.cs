using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Watcher.Upload.S3;

namespace Watcher.Tests.Upload.S3;

public sealed class S3ErrorsTests
{
    [Theory]
    [InlineData("InvalidAccessKeyId", HttpStatusCode.Forbidden, nameof(CacheFailureKind.Unauthorized))]
    [InlineData("SignatureDoesNotMatch", HttpStatusCode.Forbidden, nameof(CacheFailureKind.Unauthorized))]
    [InlineData("ExpiredToken", HttpStatusCode.BadRequest, nameof(CacheFailureKind.Unauthorized))]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, nameof(CacheFailureKind.Forbidden))]
    [InlineData("NoSuchBucket", HttpStatusCode.NotFound, nameof(CacheFailureKind.Permanent))]
    [InlineData("EntityTooLarge", HttpStatusCode.BadRequest, nameof(CacheFailureKind.TooLarge))]
    [InlineData("SlowDown", HttpStatusCode.ServiceUnavailable, nameof(CacheFailureKind.Transient))]
    [InlineData("", HttpStatusCode.RequestEntityTooLarge, nameof(CacheFailureKind.TooLarge))]
    [InlineData("", HttpStatusCode.Unauthorized, nameof(CacheFailureKind.Unauthorized))]
    [InlineData("", HttpStatusCode.TooManyRequests, nameof(CacheFailureKind.Transient))]
    [InlineData("", HttpStatusCode.BadGateway, nameof(CacheFailureKind.Transient))]
    [InlineData("InvalidArgument", HttpStatusCode.BadRequest, nameof(CacheFailureKind.Permanent))]
    public void Classify_ServiceError_KindFollowsCodeThenStatus(string code, HttpStatusCode status, string expected)
    {
        var ex = new AmazonS3Exception("message", ErrorType.Sender, code, "request-id", status);

        var (kind, statusCode, _) = S3Errors.Classify(ex);

        Assert.Equal(Enum.Parse<CacheFailureKind>(expected), kind);
        Assert.Equal((int)status, statusCode);
    }

    [Fact]
    public void Wrap_ConnectionRefused_TransientNamingCacheBucketAndEndpoint()
    {
        var refused = new HttpRequestException("Connection refused (127.0.0.1:9)", new SocketException((int)SocketError.ConnectionRefused));
        var errors = new S3Errors("home", "nix-cache", "http://127.0.0.1:9");

        var wrapped = errors.Wrap(new AmazonServiceException("wrapped", refused), "checking nix-cache-info");

        Assert.Equal(CacheFailureKind.Transient, wrapped.Kind);
        Assert.StartsWith("cache 'home' (bucket 'nix-cache' at http://127.0.0.1:9): checking nix-cache-info: cannot reach the endpoint", wrapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrap_CacheUploadException_IsKept()
    {
        var original = new CacheUploadException("too big", CacheFailureKind.TooLarge);

        Assert.Same(original, new S3Errors("c", "b", "e").Wrap(original, "writing"));
    }
}
