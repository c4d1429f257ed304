using Watcher.Caches.Zstd;
using Watcher.Nar;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>
/// A <see cref="INarSource"/> that tells a cache's <see cref="CacheActivity"/> whenever NAR bytes move (the watchdog's
/// progress), and the <see cref="NarUpload"/> how many (the live display's bars).
/// </summary>
internal sealed class ProgressNarSource(INarSource inner, CacheActivity activity, NarUpload upload, TimeProvider time) : INarSource
{
    public async Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken)
    {
        // Each call streams the NAR from its start (a retry does it again).
        upload.Read(0);
        PassThroughWriteStream? progress = null;
        progress = new PassThroughWriteStream(destination, synchronous: false, onWrite: () =>
        {
            upload.Read(progress!.BytesWritten);
            activity.Progressed(time.GetUtcNow());
        });
        await using (progress)
        {
            return await inner.WriteNarAsync(info, progress, cancellationToken);
        }
    }
}
