namespace Watcher.Nix;

/// <summary>
/// The string Nix signs for a path: <c>1;&lt;path&gt;;sha256:&lt;nix32&gt;;&lt;narSize&gt;;&lt;sorted full refs, comma-joined&gt;</c>.
/// </summary>
internal static class NixFingerprint
{
    public static string Compute(StorePath path, ReadOnlySpan<byte> narHash, long narSize, IEnumerable<StorePath> references)
    {
        if (narSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(narSize), narSize, "Nix refuses to fingerprint a path with NarSize 0");
        }

        var refs = references.Select(r => r.FullPath).Order(StringComparer.Ordinal);
        return $"1;{path.FullPath};{NixHash.ToPrefixedNix32(narHash)};{narSize};{string.Join(',', refs)}";
    }

    public static string Compute(PathInfo info) => Compute(info.Path, info.NarHash, info.NarSize, info.References);
}
