using System.Net;
using System.Text.Json;
using Watcher.Core;

namespace Watcher.Caches.Attic;

/// <summary>What an error message needs to know about the request that failed.</summary>
/// <param name="CacheName">The Watcher cache name (<c>[caches.&lt;name&gt;]</c>).</param>
/// <param name="AtticCache">The cache name on the Attic server.</param>
/// <param name="Endpoint">The base URL the request went to.</param>
/// <param name="Token">The token that was sent, to describe its expiry and to scrub it from server text.</param>
/// <param name="Now">The current time, for the expiry and <c>Retry-After</c> dates.</param>
internal sealed record AtticErrorContext(string CacheName, string AtticCache, Uri Endpoint, string? Token, DateTimeOffset Now);

/// <summary>
/// Turns Attic (and proxy) failures into <see cref="CacheUploadException"/>s classified by status code, since
/// bodies may be Attic JSON, axum plain text or a proxy's HTML (attic-api.md §3.5). Messages never contain the token.
/// </summary>
internal static class AtticErrors
{
    private const int MaxBodyChars = 300;

    /// <summary>Classifies an HTTP error status; <paramref name="body"/> may be JSON, text or empty.</summary>
    public static CacheUploadException FromStatus(int status, string? body, TimeSpan? retryAfter, AtticErrorContext context)
    {
        string server = Scrub(Describe(status, body), context.Token);
        string prefix = $"attic cache '{context.AtticCache}' on {context.Endpoint}";
        return status switch
        {
            401 => new CacheUploadException(
                $"{prefix}: token rejected or expired (HTTP 401: {server}); {AtticJwt.DescribeExpiry(context.Token, context.Now)}. " +
                $"Get a new token (atticadm make-token) and update the token file or 'attic login'",
                FailureReason.Unauthorized, status),
            403 => new CacheUploadException(
                $"{prefix}: the token has no permission for this on cache '{context.AtticCache}' (HTTP 403: {server}); " +
                $"it needs pull and push ('r' and 'w'). On a public cache an expired token also shows up as 403 (attic issue #242): " +
                $"{AtticJwt.DescribeExpiry(context.Token, context.Now)}",
                FailureReason.Forbidden, status),
            413 => new CacheUploadException(
                $"{prefix}: HTTP 413 request too large: a proxy in front of the attic server limits the request size. " +
                $"Set 'upload-endpoint' in [caches.{context.CacheName}] to an address that reaches atticd directly (e.g. on the LAN), " +
                $"or raise the proxy's body limit ({server})",
                FailureReason.TooLarge, status),
            404 => new CacheUploadException(
                $"{prefix}: not found (HTTP 404: {server}); does the cache exist ('attic cache create {context.AtticCache}')?",
                FailureReason.Rejected, status),
            400 when IsBadNarHash(body) => new CacheUploadException(
                $"{prefix}: the server received a NAR that differs from what was sent (HTTP 400: {server}). " +
                "The NAR was verified locally while streaming and matched the store, so the body was cut or altered in transit " +
                "(a proxy limiting or truncating request bodies, e.g. cloudflared in QUIC mode), not corrupted locally",
                FailureReason.ServerError, status),
            408 or 429 or >= 500 => new CacheUploadException(
                $"{prefix}: HTTP {status}, will retry: {server}", Failures.FromStatus(status), status, retryAfter),
            _ => new CacheUploadException($"{prefix}: HTTP {status}: {server}", FailureReason.Rejected, status),
        };
    }

    /// <summary>Classifies a failure with no HTTP status (connection refused, reset, timeout) as transient.</summary>
    public static CacheUploadException FromTransport(Exception exception, AtticErrorContext context)
    {
        string detail = Scrub(exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message, context.Token);
        return new CacheUploadException(
            $"attic cache '{context.AtticCache}': cannot reach the attic server at {context.Endpoint}: {detail}",
            exception is TimeoutException ? FailureReason.Timeout : FailureReason.Connection, innerException: exception);
    }

    /// <summary>The server's <c>Retry-After</c> (seconds or a date) as a delay from <paramref name="now"/>.</summary>
    public static TimeSpan? RetryAfter(System.Net.Http.Headers.RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>Attic's hash/size mismatch answers (both wordings, §5.4).</summary>
    public static bool IsBadNarHash(string? body) =>
        body is not null && (body.Contains("Bad NAR Hash or Size", StringComparison.OrdinalIgnoreCase)
            || body.Contains("Bad chunk hash or size", StringComparison.OrdinalIgnoreCase));

    /// <summary>Removes the token from text that came from elsewhere (a server could echo a header).</summary>
    public static string Scrub(string text, string? token) =>
        string.IsNullOrEmpty(token) ? text : text.Replace(token, "<token>", StringComparison.Ordinal);

    private static string Describe(int status, string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return ((HttpStatusCode)status).ToString();
        }

        try
        {
            var error = JsonSerializer.Deserialize(body, AtticJsonContext.Default.AtticErrorBody);
            if (error is { Error: not null } || error is { Message: not null })
            {
                return $"{error.Error}: {error.Message}";
            }
        }
        catch (JsonException)
        {
            // Plain text (axum rejections) or a proxy's HTML page.
        }

        string flat = string.Join(' ', body.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return flat.Length <= MaxBodyChars ? flat : flat[..MaxBodyChars] + "…";
    }
}
