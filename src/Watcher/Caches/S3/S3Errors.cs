using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Watcher.Config;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <summary>
/// Turns AWS SDK and network exceptions into <see cref="CacheUploadException"/>s with a
/// <see cref="FailureReason"/> and one message that names the cache, bucket and endpoint.
/// </summary>
/// <remarks>
/// Messages are built from S3 error codes and status codes, never from the request: the SDK's
/// exceptions do not carry the secret key, and neither do ours.
/// </remarks>
internal sealed class S3Errors(string cache, string bucket, string endpoint)
{
    /// <summary>Codes that mean the credentials themselves are wrong or expired.</summary>
    private static readonly HashSet<string> UnauthorizedCodes = new(StringComparer.Ordinal)
    {
        "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "InvalidSecurity",
    };

    /// <summary>Codes S3 uses for "slow down, try again".</summary>
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "InternalError", "ServiceUnavailable", "OperationAborted",

        // AWS: another conditional write to the key is under way; whichever ends first wins, so this one is sent again.
        "ConditionalRequestConflict",
    };

    /// <summary>"cache 'x' (bucket 'b' at http://…)": the prefix of every message.</summary>
    public string Where => $"cache '{cache}' (bucket '{bucket}' at {endpoint})";

    /// <summary>The <see cref="Where"/> of the cache <paramref name="options"/> configure.</summary>
    public static string WhereOf(S3CacheOptions options) => new S3Errors(options.Name, options.Bucket, S3ClientFactory.DescribeEndpoint(options)).Where;

    /// <summary>Wraps <paramref name="exception"/>; <paramref name="action"/> says what was being done ("writing nar/….nar.zst").</summary>
    public CacheUploadException Wrap(Exception exception, string action)
    {
        if (exception is CacheUploadException existing)
        {
            return existing;
        }

        var (reason, status, message) = Classify(exception);
        return new CacheUploadException($"{Where}: {action}: {message}", reason, status, innerException: exception);
    }

    /// <summary>The reason, HTTP status and a message for a failed S3 request.</summary>
    public static (FailureReason Reason, int? Status, string Message) Classify(Exception exception)
    {
        if (exception is AmazonServiceException service && service.StatusCode != 0 && FindNetworkError(exception) is null)
        {
            int status = (int)service.StatusCode;
            string code = service.ErrorCode ?? string.Empty;
            return code switch
            {
                "NoSuchBucket" => (FailureReason.Rejected, status, "the bucket does not exist (NoSuchBucket)"),
                "NoSuchKey" => (FailureReason.Rejected, status, "the object does not exist (NoSuchKey)"),
                "NoSuchUpload" => (FailureReason.Rejected, status, "the server no longer knows this multipart upload (NoSuchUpload): it was completed, aborted or expired"),

                // The client signs again with the server's time once (SkewCorrectingS3Client); still refused, resending cannot help.
                "RequestTimeTooSkewed" => (FailureReason.Unauthorized, status, $"the server refused this machine's time ({code}, HTTP {status}) and named no time of its own; set this machine's clock (or the server's) right"),
                "AccessDenied" or "AllAccessDisabled" => (FailureReason.Forbidden, status, $"access denied ({code}): the credentials may not write to this bucket"),
                "EntityTooLarge" => (FailureReason.TooLarge, status, "the server refused the object size (EntityTooLarge)"),
                _ when UnauthorizedCodes.Contains(code) => (FailureReason.Unauthorized, status, $"the credentials were rejected ({code}); check the access key and secret of the profile or environment"),
                "SlowDown" => (FailureReason.Throttled, status, $"the server asked to slow down ({code}, HTTP {status})"),
                "BadDigest" or "IncompleteBody" or "XAmzContentSHA256Mismatch" => (FailureReason.Damaged, status, $"the server received other bytes than were sent ({code}, HTTP {status}); sending them again"),
                "RequestTimeout" => (FailureReason.Timeout, status, $"the server timed the request out ({code}, HTTP {status})"),
                _ when TransientCodes.Contains(code) => (FailureReason.ServerError, status, $"the server asked to retry ({code}, HTTP {status})"),
                _ => (Failures.FromStatus(status), status, Describe(status, code, service.Message)),
            };
        }

        if (FindNetworkError(exception) is { } network)
        {
            return (FailureReason.Connection, null, "cannot reach the endpoint: " + network.Message);
        }

        if (exception is AmazonClientException client)
        {
            // Raised before any request: no credentials found, a malformed endpoint, no region.
            return (FailureReason.Unauthorized, null, "the S3 client could not be set up: " + client.Message);
        }

        if (exception is OperationCanceledException)
        {
            // Not the caller's token (callers let that one through): the SDK's own timeout.
            return (FailureReason.Timeout, null, "no answer in time");
        }

        return (Failures.Classify(exception), null, exception.Message);
    }

    private static string Describe(int status, string code, string message) => status switch
    {
        401 => $"the credentials were rejected (HTTP 401{CodeSuffix(code)})",
        403 => $"access denied (HTTP 403{CodeSuffix(code)})",
        404 => $"not found (HTTP 404{CodeSuffix(code)}); is the bucket right?",
        413 => "the server or a proxy in front of it refused the request size (HTTP 413); lower part-size-mb",
        _ => $"HTTP {status}{CodeSuffix(code)}" + (IsGeneric(message) ? string.Empty : ": " + message),
    };

    /// <summary>The SDK's filler text for an error response without a body says nothing the status does not.</summary>
    private static bool IsGeneric(string message) =>
        string.IsNullOrWhiteSpace(message) || message.Contains("No further error information", StringComparison.Ordinal);

    private static string CodeSuffix(string code) => code.Length == 0 ? string.Empty : ", " + code;

    /// <summary>The socket, DNS or HTTP connection error somewhere inside <paramref name="exception"/>, if any.</summary>
    private static Exception? FindNetworkError(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException:
                    return e;
                case HttpRequestException { StatusCode: null } http:
                    return http.GetBaseException();
                case IOException when e.InnerException is SocketException:
                    return e.InnerException;
                case WebException:
                    return e;
            }
        }

        return null;
    }
}
