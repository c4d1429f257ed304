namespace Watcher.Upload.Bandwidth;

/// <summary>
/// Puts the body of every request through the cache's <see cref="UploadThrottle"/> as it is written to the socket, so
/// every attempt of every upload (NARs, multipart parts, hedges, retries) counts against the limit. Only bodies of
/// uploads wait for their tokens; small bodies (narinfos, lookups) are counted but never wait behind a NAR.
/// </summary>
/// <remarks>
/// Under <c>"auto"</c> the round trip of every small request goes to the throttle, and an upload in progress sends a
/// probe (<c>HEAD /</c> at the server, without credentials: any answer will do) when none came for a while.
/// </remarks>
internal sealed class ThrottlingHandler : DelegatingHandler
{
    /// <summary>Bodies up to this size that are not NARs are counted without waiting.</summary>
    public const long SmallBody = 64 << 10;

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

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

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_throttle.Cache is null && _throttle.Global is null)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        bool wait = false;
        if (request.Content is { } content)
        {
            wait = content.Headers.ContentLength is not { } length || length > SmallBody
                || (request.RequestUri is { } uri && _isUpload(uri));
            Func<Task>? probe = wait && request.RequestUri is { } target ? () => ProbeAsync(target) : null;
            request.Content = new ThrottledContent(content, _throttle, wait, probe);
        }

        if (wait || !_throttle.IsAuto || request.RequestUri is not { } server || (_throttle.Cache ?? _throttle.Global)?.Time is not { } time)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        long start = time.GetTimestamp();
        var response = await base.SendAsync(request, cancellationToken);
        _throttle.Observe(server.Authority, time.GetElapsedTime(start));
        return response;
    }

    /// <summary>Times a <c>HEAD /</c> at the server of <paramref name="target"/>; a failed probe gives no sample.</summary>
    private async Task ProbeAsync(Uri target)
    {
        var time = (_throttle.Cache ?? _throttle.Global)!.Time;
        using var timeout = new CancellationTokenSource(ProbeTimeout, time);
        using var probe = new HttpRequestMessage(HttpMethod.Head, new Uri(target, "/"));
        long start = time.GetTimestamp();
        try
        {
            using var response = await base.SendAsync(probe, timeout.Token);
            _throttle.Observe(target.Authority, time.GetElapsedTime(start));
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            // No answer is no sample; the upload's own failure, if any, is reported by the upload.
        }
    }
}
