using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>
/// The NAR serialised from the local store differs from the hash or size the store recorded: the
/// local copy is corrupt (or changed under us), so nothing may be published for it.
/// </summary>
internal sealed class NarMismatchException : WatcherException
{
    public NarMismatchException(StorePath path, byte[] expectedHash, long expectedSize, byte[] actualHash, long actualSize)
        : base($"local store corruption: the NAR of {path} has {NixHash.ToPrefixedNix32(actualHash)} ({actualSize} bytes) " +
            $"but the store recorded {NixHash.ToPrefixedNix32(expectedHash)} ({expectedSize} bytes); " +
            $"nothing was published for it (check it with 'nix-store --verify-path {path}')")
    {
        Path = path;
    }

    public NarMismatchException(string message)
        : base(message)
    {
        Path = null;
    }

    public NarMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = null;
    }

    public StorePath? Path { get; }
}
