using Watcher.Nix;

namespace Watcher.Pipeline;

/// <summary>Where a discovery came from (a metrics label and a log field).</summary>
internal enum DiscoverySource
{
    Inotify,
    Scan,
    Cli,
}

/// <summary>A store path that may need pushing, or (with no path) a request to rescan the store.</summary>
internal readonly record struct Discovery(StorePath? Path, DiscoverySource Source)
{
    public static Discovery Rescan(DiscoverySource source) => new(null, source);

    public bool IsRescan => Path is null;
}
