using Watcher.Caches;
using Watcher.Nix;

namespace Watcher.Maintenance;

/// <summary>A narinfo object of a cache, with its parsed contents when it could be parsed.</summary>
/// <param name="HashPart">The key without <c>.narinfo</c>.</param>
/// <param name="Object">The listed object.</param>
/// <param name="Info">The parsed narinfo, or <see langword="null"/> when it is unreadable.</param>
internal sealed record NarInfoEntry(string HashPart, CacheObject Object, NarInfo? Info)
{
    public string Key => Object.Key;

    /// <summary>The hash parts of the references other than the path itself.</summary>
    public IEnumerable<string> ReferenceHashes => Info is null
        ? []
        : Info.References.Where(r => r != Info.StorePath).Select(r => r.HashPart);
}
