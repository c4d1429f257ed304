using System.Text;
using NSec.Cryptography;

namespace Watcher.Nix;

/// <summary>A Nix public key, <c>name:base64(32 bytes)</c>, as it goes in <c>trusted-public-keys</c>.</summary>
internal sealed class NixPublicKey
{
    private const int KeyLength = 32;
    private const int SignatureLength = 64;

    public NixPublicKey(string name, byte[] keyBytes)
    {
        ValidateName(name);
        if (keyBytes.Length != KeyLength)
        {
            throw new FormatException($"a public key is {KeyLength} bytes, not {keyBytes.Length}");
        }

        Name = name;
        KeyBytes = keyBytes;
    }

    public string Name { get; }

    public byte[] KeyBytes { get; }

    public static NixPublicKey Parse(string text)
    {
        string trimmed = text.Trim('\n');
        int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException("expected a Nix public key of the form '<name>:<base64>'");
        }

        var bytes = new byte[KeyLength + 3];
        if (!Convert.TryFromBase64String(trimmed[(colon + 1)..], bytes, out int written) || written != KeyLength)
        {
            throw new FormatException($"the public key '{trimmed[..colon]}' is not {KeyLength} bytes of padded base64");
        }

        return new NixPublicKey(trimmed[..colon], bytes[..KeyLength]);
    }

    /// <summary>Checks <c>name:base64</c> over a fingerprint; a signature under another key name never verifies.</summary>
    public bool Verify(string fingerprint, string signature)
    {
        int colon = signature.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !string.Equals(signature[..colon], Name, StringComparison.Ordinal))
        {
            return false;
        }

        var sig = new byte[SignatureLength + 3];
        if (!Convert.TryFromBase64String(signature[(colon + 1)..], sig, out int written) || written != SignatureLength)
        {
            return false;
        }

        var key = PublicKey.Import(SignatureAlgorithm.Ed25519, KeyBytes, KeyBlobFormat.RawPublicKey);
        return SignatureAlgorithm.Ed25519.Verify(key, Encoding.UTF8.GetBytes(fingerprint), sig.AsSpan(0, SignatureLength));
    }

    public override string ToString() => Name + ":" + Convert.ToBase64String(KeyBytes);

    internal static void ValidateName(string name)
    {
        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new FormatException("a key name must be non-empty and contain no spaces or control characters");
        }
    }
}
