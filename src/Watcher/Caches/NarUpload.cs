using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>One NAR on its way to a cache: the path, its size, and how many of its bytes have left the store so far.</summary>
/// <remarks>
/// The bytes are counted as the NAR is written to the cache's encoder (<see cref="ProgressNarSource"/>); an upload
/// that streams the NAR again (a retry) starts again from zero.
/// </remarks>
internal sealed class NarUpload(StorePath path, long narSize)
{
    private long _read;

    public StorePath Path => path;

    public long NarSize => narSize;

    /// <summary>NAR bytes read from the store in the current attempt.</summary>
    public long BytesRead => Interlocked.Read(ref _read);

    /// <summary>Records that the current attempt has read <paramref name="bytes"/> bytes of the NAR.</summary>
    public void Read(long bytes) => Interlocked.Exchange(ref _read, bytes);
}
