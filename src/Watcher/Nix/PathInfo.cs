namespace Watcher.Nix;

/// <summary>
/// What the store knows about a valid path (Nix's <c>ValidPathInfo</c>), as returned by the daemon's
/// QueryPathInfo. References are full store paths, sorted, and may include the path itself.
/// </summary>
internal sealed record PathInfo
{
    public required StorePath Path { get; init; }

    public StorePath? Deriver { get; init; }

    /// <summary>SHA-256 of the NAR serialisation (32 bytes).</summary>
    public required byte[] NarHash { get; init; }

    public required long NarSize { get; init; }

    public required IReadOnlyList<StorePath> References { get; init; }

    /// <summary>Registration time, Unix seconds.</summary>
    public long RegistrationTime { get; init; }

    /// <summary>True when the path was built locally rather than substituted.</summary>
    public bool Ultimate { get; init; }

    /// <summary>Signatures already on the path, as <c>keyname:base64</c>.</summary>
    public IReadOnlyList<string> Signatures { get; init; } = [];

    /// <summary>Content address (<c>fixed:r:sha256:…</c>), or null when input-addressed.</summary>
    public string? ContentAddress { get; init; }

    /// <summary>Whether one of <see cref="Signatures"/> was made by a key named in <paramref name="keyNames"/>.</summary>
    public bool IsSignedByAny(IEnumerable<string> keyNames) =>
        Signatures.Any(signature =>
        {
            int colon = signature.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && keyNames.Contains(signature[..colon], StringComparer.Ordinal);
        });

    /// <summary>The references other than the path itself: the edges a closure walk follows.</summary>
    public IEnumerable<StorePath> ReferencesExceptSelf => References.Where(r => r != Path);
}
