using System.Net;

namespace Watcher.Upload.Bandwidth;

/// <summary>A request body written through a <see cref="ThrottledWriteStream"/>; headers and length are the inner body's.</summary>
internal sealed class ThrottledContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly UploadThrottle _throttle;
    private readonly bool _wait;

    public ThrottledContent(HttpContent inner, UploadThrottle throttle, bool wait)
    {
        _inner = inner;
        _throttle = throttle;
        _wait = wait;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var throttled = new ThrottledWriteStream(stream, _throttle, _wait);
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
