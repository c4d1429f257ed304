using Watcher.Caches;
using Watcher.Nar;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Push;

/// <summary>
/// Serialises NARs straight from the world-readable store directory (the fast path: no daemon round
/// trips, no copy through a socket), falling back to the daemon's NarFromPath when the store directory
/// is not visible here (a chroot store or a remote daemon).
/// </summary>
internal sealed class StoreNarSource(NixDaemonClient daemon) : INarSource
{
    public async Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken)
    {
        string path = info.Path.FullPath;
        if (File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            return await NarWriter.WriteAsync(path, destination, cancellationToken);
        }

        await using var hashing = new HashingWriteStream(destination, leaveOpen: true);
        if (await daemon.NarFromPathAsync(info.Path, hashing, cancellationToken) is null)
        {
            throw new PathVanishedException(info.Path);
        }

        return new NarResult(hashing.GetCurrentHash(), hashing.BytesWritten);
    }
}
