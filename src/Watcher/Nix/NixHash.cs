namespace Watcher.Nix;

/// <summary>
/// The SHA-256 string forms Nix uses: unprefixed base16 on the daemon wire, <c>sha256:&lt;nix32&gt;</c>
/// in narinfo and fingerprints, unprefixed nix32 in NAR file names, SRI in <c>nix path-info --json</c>.
/// </summary>
internal static class NixHash
{
    public const int Sha256Length = 32;

    public static string ToNix32(ReadOnlySpan<byte> sha256) => Nix32.Encode(sha256);

    /// <summary><c>sha256:&lt;nix32&gt;</c>, the narinfo and fingerprint form.</summary>
    public static string ToPrefixedNix32(ReadOnlySpan<byte> sha256) => "sha256:" + Nix32.Encode(sha256);

    /// <summary><c>sha256:&lt;hex&gt;</c>, the form the Attic API takes.</summary>
    public static string ToPrefixedHex(ReadOnlySpan<byte> sha256) => "sha256:" + Convert.ToHexStringLower(sha256);

    /// <summary>
    /// Parses any form Nix's parsers accept for SHA-256: SRI, or an optional <c>sha256:</c> prefix
    /// followed by base16 (64), nix32 (52) or base64 (44) characters.
    /// </summary>
    public static byte[] ParseSha256(string text)
    {
        if (TryParseSha256(text, out byte[]? hash))
        {
            return hash;
        }

        throw new FormatException($"'{text}' is not a SHA-256 hash in a form Nix writes (expected base16, nix32, base64 or SRI)");
    }

    public static bool TryParseSha256(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? hash)
    {
        hash = null;
        string body = text;
        if (text.StartsWith("sha256-", StringComparison.Ordinal))
        {
            return TryBase64(text["sha256-".Length..], out hash);
        }

        if (text.StartsWith("sha256:", StringComparison.Ordinal))
        {
            body = text["sha256:".Length..];
        }

        switch (body.Length)
        {
            case 64:
                if (body.All(char.IsAsciiHexDigit))
                {
                    hash = Convert.FromHexString(body);
                    return true;
                }

                return false;
            case 52:
                var bytes = new byte[Sha256Length];
                if (Nix32.TryDecode(body, bytes))
                {
                    hash = bytes;
                    return true;
                }

                return false;
            case 44:
                return TryBase64(body, out hash);
            default:
                return false;
        }
    }

    private static bool TryBase64(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? hash)
    {
        hash = new byte[Sha256Length];
        if (Convert.TryFromBase64String(text, hash, out int written) && written == Sha256Length)
        {
            return true;
        }

        hash = null;
        return false;
    }
}
