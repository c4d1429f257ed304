using Watcher.Nar;
using Watcher.Nix;

namespace Watcher.Upload;

/// <summary>A <see cref="INarSource"/> that tells a cache's <see cref="CacheActivity"/> whenever NAR bytes move.</summary>
internal sealed class ProgressNarSource(INarSource inner, CacheActivity activity, TimeProvider time) : INarSource
{
    public async Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken)
    {
        await using var progress = new PassThroughWriteStream(destination, synchronous: false, onWrite: () => activity.Progressed(time.GetUtcNow()));
        return await inner.WriteNarAsync(info, progress, cancellationToken);
    }
}
