using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Watcher.Caches.S3;
using Watcher.Core;

namespace Watcher.Tests.Caches.S3;

public sealed class S3ErrorsTests
{
    [Theory]
    [InlineData("InvalidAccessKeyId", HttpStatusCode.Forbidden, nameof(FailureReason.Unauthorized))]
    [InlineData("SignatureDoesNotMatch", HttpStatusCode.Forbidden, nameof(FailureReason.Unauthorized))]
    [InlineData("ExpiredToken", HttpStatusCode.BadRequest, nameof(FailureReason.Unauthorized))]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, nameof(FailureReason.Forbidden))]
    [InlineData("NoSuchBucket", HttpStatusCode.NotFound, nameof(FailureReason.Rejected))]
    [InlineData("EntityTooLarge", HttpStatusCode.BadRequest, nameof(FailureReason.TooLarge))]
    [InlineData("SlowDown", HttpStatusCode.ServiceUnavailable, nameof(FailureReason.Throttled))]
    [InlineData("RequestTimeout", HttpStatusCode.BadRequest, nameof(FailureReason.Timeout))]
    [InlineData("InternalError", HttpStatusCode.InternalServerError, nameof(FailureReason.ServerError))]
    [InlineData("", HttpStatusCode.RequestEntityTooLarge, nameof(FailureReason.TooLarge))]
    [InlineData("", HttpStatusCode.Unauthorized, nameof(FailureReason.Unauthorized))]
    [InlineData("", HttpStatusCode.TooManyRequests, nameof(FailureReason.Throttled))]
    [InlineData("", HttpStatusCode.BadGateway, nameof(FailureReason.ServerError))]
    [InlineData("InvalidArgument", HttpStatusCode.BadRequest, nameof(FailureReason.Rejected))]
    [InlineData("RequestTimeTooSkewed", HttpStatusCode.Forbidden, nameof(FailureReason.Unauthorized))]
    public void Classify_ServiceError_ReasonFollowsCodeThenStatus(string code, HttpStatusCode status, string expected)
    {
        var ex = new AmazonS3Exception("message", ErrorType.Sender, code, "request-id", status);

        var (reason, statusCode, _) = S3Errors.Classify(ex);

        Assert.Equal(Enum.Parse<FailureReason>(expected), reason);
        Assert.Equal((int)status, statusCode);
    }

    [Theory]
    [InlineData("NoSuchBucket", "the bucket does not exist (NoSuchBucket)")]
    [InlineData("NoSuchKey", "the object does not exist (NoSuchKey)")]
    [InlineData("NoSuchUpload", "the server no longer knows this multipart upload (NoSuchUpload)")]
    [InlineData("", "not found (HTTP 404); is the bucket right?")]
    public void Classify_NotFound_SaysWhatWasMissing(string code, string expected)
    {
        var ex = new AmazonS3Exception("message", ErrorType.Sender, code, "request-id", HttpStatusCode.NotFound);

        var (reason, _, message) = S3Errors.Classify(ex);

        Assert.Equal(FailureReason.Rejected, reason);
        Assert.StartsWith(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrap_ConnectionRefused_TransientNamingCacheBucketAndEndpoint()
    {
        var refused = new HttpRequestException("Connection refused (127.0.0.1:9)", new SocketException((int)SocketError.ConnectionRefused));
        var errors = new S3Errors("home", "nix-cache", "http://127.0.0.1:9");

        var wrapped = errors.Wrap(new AmazonServiceException("wrapped", refused), "checking nix-cache-info");

        Assert.Equal(FailureReason.Connection, wrapped.Reason);
        Assert.StartsWith("cache 'home' (bucket 'nix-cache' at http://127.0.0.1:9): checking nix-cache-info: cannot reach the endpoint", wrapped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrap_CacheUploadException_IsKept()
    {
        var original = new CacheUploadException("too big", FailureReason.TooLarge);

        Assert.Same(original, new S3Errors("c", "b", "e").Wrap(original, "writing"));
    }
}
