using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>The path stopped being valid (garbage-collected) before its NAR could be read.</summary>
internal sealed class PathVanishedException : WatcherException
{
    public PathVanishedException(StorePath path)
        : base($"{path} is no longer valid in the store (garbage-collected?)")
    {
    }

    public PathVanishedException(string message)
        : base(message)
    {
    }

    public PathVanishedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
