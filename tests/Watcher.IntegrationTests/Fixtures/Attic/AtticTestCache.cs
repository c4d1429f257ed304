using System.Collections.Concurrent;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Fixtures.Attic;

/// <summary>One cache on the <see cref="AtticTestServer"/>: its signing key and the paths uploaded to it.</summary>
internal sealed class AtticTestCache : IDisposable
{
    public AtticTestCache(string name, bool isPublic, IReadOnlyList<string> upstreamKeyNames)
    {
        Name = name;
        IsPublic = isPublic;
        UpstreamKeyNames = upstreamKeyNames;
        (Key, _) = NixSecretKey.Generate(name);
    }

    public string Name { get; }

    public bool IsPublic { get; }

    public IReadOnlyList<string> UpstreamKeyNames { get; }

    /// <summary>The key narinfos are signed with, per request, as atticd does.</summary>
    public NixSecretKey Key { get; }

    /// <summary>The public key real Nix must trust.</summary>
    public string PublicKey => Key.PublicKey.ToString();

    /// <summary>Stored paths by store path hash.</summary>
    public ConcurrentDictionary<string, AtticStoredPath> Objects { get; } = new(StringComparer.Ordinal);

    public void Dispose() => Key.Dispose();
}

/// <summary>What an upload recorded about one path (attic's <c>object</c> row), plus how the upload info arrived.</summary>
/// <param name="StorePath">The full store path.</param>
/// <param name="References">The references, as base names.</param>
/// <param name="Deriver">The deriver's base name, if sent.</param>
/// <param name="Sigs">The signatures sent (stored, not served).</param>
/// <param name="Ca">The content address, if any.</param>
/// <param name="NarHash">The SHA-256 of the NAR.</param>
/// <param name="NarSize">The NAR's size.</param>
/// <param name="UploadedBy">The token's <c>sub</c>.</param>
/// <param name="InfoMode"><c>header</c> or <c>preamble</c>.</param>
internal sealed record AtticStoredPath(
    string StorePath,
    IReadOnlyList<string> References,
    string? Deriver,
    IReadOnlyList<string> Sigs,
    string? Ca,
    byte[] NarHash,
    long NarSize,
    string? UploadedBy,
    string InfoMode);
