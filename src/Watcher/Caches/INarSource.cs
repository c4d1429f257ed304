using Watcher.Nar;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>Where NAR bytes come from: the world-readable store itself, or the daemon.</summary>
internal interface INarSource
{
    /// <summary>Writes the NAR of <paramref name="info"/> to <paramref name="destination"/>.</summary>
    /// <returns>The SHA-256 and size of the bytes written, to check against the store's path info.</returns>
    Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken);
}
