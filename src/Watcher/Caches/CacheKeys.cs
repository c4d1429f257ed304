using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>Where a binary cache keeps what: narinfos at the root by hash part, NARs under <c>nar/</c>, and <c>nix-cache-info</c>.</summary>
internal static class CacheKeys
{
    /// <summary>The cache's description, read by Nix before anything else.</summary>
    public const string CacheInfoKey = "nix-cache-info";
    public const string NarInfoSuffix = ".narinfo";
    public const string NarPrefix = "nar/";


    /// <summary>The hash part of a narinfo key (<c>&lt;32 nix32 chars&gt;.narinfo</c> at the root), or <see langword="null"/>.</summary>
    public static string? NarInfoHash(string key) =>
        key.Length == StorePath.HashLength + NarInfoSuffix.Length
        && key.EndsWith(NarInfoSuffix, StringComparison.Ordinal)
        && key.AsSpan(0, StorePath.HashLength).ToString().All(Nix32.IsValidChar)
            ? key[..StorePath.HashLength]
            : null;

    /// <summary>Whether <paramref name="key"/> is a NAR object: a file directly in <c>nar/</c>, not a temporary one.</summary>
    public static bool IsNarKey(string key) =>
        key.StartsWith(NarPrefix, StringComparison.Ordinal)
        && key.Length > NarPrefix.Length
        && key[NarPrefix.Length] != '.'
        && key.IndexOf('/', NarPrefix.Length) < 0;

    public static string NarInfoKey(string hashPart) => hashPart + NarInfoSuffix;
}
