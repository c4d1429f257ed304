using System.Net;

namespace Watcher.Upload.Bandwidth;

/// <summary>A request body written through a <see cref="ThrottledWriteStream"/>; headers and length are the inner body's.</summary>
internal sealed class ThrottledContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly UploadThrottle _throttle;
    private readonly bool _wait;
    private readonly Func<Task>? _probe;

    /// <param name="inner">The body.</param>
    /// <param name="throttle">The limits it takes from.</param>
    /// <param name="wait">Whether it waits for tokens (uploads) or is only counted (small bodies).</param>
    /// <param name="probe">Sends a probe for <c>"auto"</c> while the body goes out; none when null.</param>
    public ThrottledContent(HttpContent inner, UploadThrottle throttle, bool wait, Func<Task>? probe = null)
    {
        _inner = inner;
        _throttle = throttle;
        _wait = wait;
        _probe = probe;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var throttled = new ThrottledWriteStream(stream, _throttle, _wait, _probe);
        await _inner.CopyToAsync(throttled, context, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _inner.Headers.ContentLength ?? -1;
        return length >= 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
