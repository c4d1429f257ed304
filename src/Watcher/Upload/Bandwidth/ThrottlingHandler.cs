namespace Watcher.Upload.Bandwidth;

/// <summary>
/// Puts the body of every request through the cache's <see cref="UploadThrottle"/> as it is written to the socket, so
/// every attempt of every upload (NARs, multipart parts, hedges, retries) counts against the limit. Only bodies of
/// uploads wait for their tokens; small bodies (narinfos, lookups) are counted but never wait behind a NAR.
/// </summary>
internal sealed class ThrottlingHandler : DelegatingHandler
{
    /// <summary>Bodies up to this size that are not NARs are counted without waiting.</summary>
    public const long SmallBody = 64 << 10;

    private readonly UploadThrottle _throttle;
    private readonly Func<Uri, bool> _isUpload;

    /// <param name="inner">The handler that talks to the server.</param>
    /// <param name="throttle">The limits the bodies take from.</param>
    /// <param name="isUpload">Whether a request to this address carries a NAR (which waits whatever its size).</param>
    public ThrottlingHandler(HttpMessageHandler inner, UploadThrottle throttle, Func<Uri, bool> isUpload)
        : base(inner)
    {
        _throttle = throttle;
        _isUpload = isUpload;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content && (_throttle.Cache is not null || _throttle.Global is not null))
        {
            bool wait = content.Headers.ContentLength is not { } length || length > SmallBody
                || (request.RequestUri is { } uri && _isUpload(uri));
            request.Content = new ThrottledContent(content, _throttle, wait);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
