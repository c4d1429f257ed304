using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Watcher.Nix;

namespace Watcher.Upload.Attic;

/// <summary>
/// The HTTP side of the Attic API (attic-api.md §2–3): cache config, missing paths and uploads, with the
/// bearer token re-read on every request, the server's <c>api_endpoint</c> followed (never from https to
/// http), uploads optionally sent to a separate <c>upload-endpoint</c>, and every failure classified.
/// </summary>
internal sealed partial class AtticClient : IDisposable
{
    private const long ExpectContinueThreshold = 1 << 20;
    private static readonly AtticUploadResult Uploaded = new() { Kind = "Uploaded" };

    private readonly HttpClient _http;
    private readonly AtticTokenSource _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri? _uploadEndpoint;

    public AtticClient(string cacheName, string atticCache, Uri endpoint, Uri? uploadEndpoint, AtticTokenSource tokens, TimeProvider time, ILogger logger, HttpMessageHandler? handler = null)
    {
        CacheName = cacheName;
        AtticCache = atticCache;
        ApiEndpoint = WithSlash(endpoint);
        _uploadEndpoint = uploadEndpoint is null ? null : WithSlash(uploadEndpoint);
        _tokens = tokens;
        _time = time;
        _logger = logger;
        _http = new HttpClient(handler ?? CreateHandler())
        {
            Timeout = Timeout.InfiniteTimeSpan,

            // HTTP/2 where TLS negotiates it (Cloud Run's 32 MB cap applies to HTTP/1 only, attic #122); HTTP/1.1 otherwise.
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("nix-watcher", typeof(AtticClient).Assembly.GetName().Version?.ToString(3)));
    }

    public string CacheName { get; }

    /// <summary>The handler that talks to the server when none is given.</summary>
    public static SocketsHttpHandler CreateHandler() => new() { ConnectTimeout = TimeSpan.FromSeconds(30), PooledConnectionLifetime = TimeSpan.FromMinutes(5) };

    /// <summary>Whether a request to <paramref name="uri"/> uploads a NAR.</summary>
    public static bool IsUpload(Uri uri) => uri.AbsolutePath.EndsWith("/_api/v1/upload-path", StringComparison.Ordinal);

    public string AtticCache { get; }

    /// <summary>The base URL of API calls: the configured endpoint, or the server's <c>api_endpoint</c>.</summary>
    public Uri ApiEndpoint { get; private set; }

    /// <summary>The base URL uploads go to: <c>upload-endpoint</c> when set, else <see cref="ApiEndpoint"/>.</summary>
    public Uri UploadEndpoint => _uploadEndpoint ?? ApiEndpoint;

    public async Task<AtticCacheConfig> GetCacheConfigAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(ApiEndpoint, "_api/v1/cache-config/" + Uri.EscapeDataString(AtticCache)));
        return await SendAsync(request, ApiEndpoint, AtticJsonContext.Default.AtticCacheConfig, cancellationToken)
            ?? throw new CacheUploadException($"attic cache '{AtticCache}' on {ApiEndpoint}: empty cache config", FailureReason.Rejected);
    }

    /// <summary>Follows the server's <c>api_endpoint</c>, refusing a downgrade from https to http.</summary>
    public void UseApiEndpoint(string? apiEndpoint)
    {
        if (string.IsNullOrEmpty(apiEndpoint) || !Uri.TryCreate(apiEndpoint, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return;
        }

        uri = WithSlash(uri);
        if (ApiEndpoint.Scheme == Uri.UriSchemeHttps && uri.Scheme == Uri.UriSchemeHttp)
        {
            // atticd synthesises http:// behind a TLS proxy without X-Forwarded-Proto (§3.2): the token must not go out in clear.
            Log.ApiEndpointDowngradeRefused(_logger, CacheName, uri, ApiEndpoint);
            return;
        }

        if (uri != ApiEndpoint)
        {
            Log.ApiEndpointDelegated(_logger, CacheName, uri);
            ApiEndpoint = uri;
        }
    }

    /// <summary>One <c>get-missing-paths</c> call; the caller keeps batches small (≤ 10,000 hashes).</summary>
    public async Task<IReadOnlyList<string>> GetMissingPathsAsync(IReadOnlyList<string> hashes, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(ApiEndpoint, "_api/v1/get-missing-paths"))
        {
            Content = Json(new AtticGetMissingPathsRequest(AtticCache, hashes), AtticJsonContext.Default.AtticGetMissingPathsRequest),
        };
        var response = await SendAsync(request, ApiEndpoint, AtticJsonContext.Default.AtticGetMissingPathsResponse, cancellationToken);
        return response?.MissingPaths ?? [];
    }

    /// <summary>Uploads one path in one <c>PUT /_api/v1/upload-path</c> request.</summary>
    /// <exception cref="NarMismatchException">The local store produced other bytes than it records (local corruption).</exception>
    /// <param name="uploadInfo">The upload info, sent before the NAR.</param>
    /// <param name="info">The path; its NAR is checked against it while it streams.</param>
    /// <param name="source">Where the NAR comes from.</param>
    /// <param name="progress">Called as NAR bytes go out.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task<AtticUploadResult> UploadPathAsync(AtticUploadInfo uploadInfo, PathInfo info, INarSource source, Action progress, CancellationToken cancellationToken)
    {
        // The upload info always goes in the body preamble, never in the X-Attic-Nar-Info header: proxies limit
        // header sizes (nginx: 8 KB a line), header values must be ASCII, and every maintained server reads it.
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(uploadInfo, AtticJsonContext.Default.AtticUploadInfo);
        using var content = new NarUploadContent(info, source, json, progress);
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(UploadEndpoint, "_api/v1/upload-path")) { Content = content };
        request.Headers.Add("X-Attic-Nar-Info-Preamble-Size", json.Length.ToString(CultureInfo.InvariantCulture));

        // A size-limited proxy can answer 413 before a large body is sent.
        request.Headers.ExpectContinue = content.Headers.ContentLength > ExpectContinueThreshold;
        try
        {
            return await SendAsync(request, UploadEndpoint, AtticJsonContext.Default.AtticUploadResult, cancellationToken) ?? Uploaded;
        }
        catch (CacheUploadException) when (content.LocalMismatch is { } mismatch)
        {
            throw mismatch;
        }
    }

    public void Dispose() => _http.Dispose();

    private static Uri WithSlash(Uri uri) => uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");

    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>
    /// Sends with the current token; returns the parsed 2xx body (null when empty or not JSON), else throws classified.
    /// No timeout of its own: the cache's retry policy gives each attempt one.
    /// </summary>
    private async Task<T?> SendAsync<T>(HttpRequestMessage request, Uri endpoint, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        string? token = Authorize(request);
        var context = new AtticErrorContext(CacheName, AtticCache, endpoint, token, _time.GetUtcNow());
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw AtticErrors.FromStatus((int)response.StatusCode, body, AtticErrors.RetryAfter(response.Headers.RetryAfter, context.Now), context);
            }

            try
            {
                return string.IsNullOrWhiteSpace(body) ? null : JsonSerializer.Deserialize(body, type);
            }
            catch (JsonException)
            {
                return null;
            }
        }
        catch (HttpRequestException ex) when (FindWatcherException(ex) is { } inner)
        {
            // The NAR source failed (path vanished, local corruption): that, not the transport, is the story.
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
        catch (HttpRequestException ex)
        {
            throw AtticErrors.FromTransport(ex, context);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not the caller's token: the connection itself timed out.
            throw AtticErrors.FromTransport(new TimeoutException("no answer in time", ex), context);
        }
    }

    private string? Authorize(HttpRequestMessage request)
    {
        string? token = _tokens.GetToken(out bool reloaded);
        if (reloaded)
        {
            WarnAboutExpiry(token);
        }

        if (token is null)
        {
            return null;
        }

        if (token.Any(c => c is <= ' ' or > '~'))
        {
            throw new CacheUploadException($"the attic token in {_tokens.Description} contains characters that cannot go in an HTTP header", FailureReason.Unauthorized);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return token;
    }

    private void WarnAboutExpiry(string? token)
    {
        if (AtticJwt.TryGetExpiry(token) is not { } expiry)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (expiry <= now)
        {
            Log.TokenExpired(_logger, CacheName, _tokens.Description, expiry);
        }
        else if (expiry - now < AtticJwt.ExpiryWarning)
        {
            Log.TokenExpiresSoon(_logger, CacheName, _tokens.Description, expiry, (int)Math.Ceiling((expiry - now).TotalDays));
        }
    }

    private static WatcherException? FindWatcherException(Exception exception)
    {
        for (Exception? e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is WatcherException watcher and not CacheUploadException)
            {
                return watcher;
            }
        }

        return null;
    }
}
