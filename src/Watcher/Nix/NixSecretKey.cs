using System.Text;
using NSec.Cryptography;

namespace Watcher.Nix;

/// <summary>
/// A Nix signing key (<c>name:base64(seed ‖ public key)</c>, as written by <c>nix key generate-secret</c>).
/// Key material never appears in a message, <see cref="ToString"/> or exception text.
/// </summary>
internal sealed class NixSecretKey : IDisposable
{
    private const int SeedLength = 32;
    private const int FileBytesLength = 64;

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    private readonly Key _key;

    private NixSecretKey(string name, Key key)
    {
        Name = name;
        _key = key;
        PublicKey = new NixPublicKey(name, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string Name { get; }

    public NixPublicKey PublicKey { get; }

    /// <summary>Parses a secret key file's text. Errors say what is wrong, never what the key is.</summary>
    public static NixSecretKey Parse(string text)
    {
        string trimmed = text.Trim('\n');
        int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == trimmed.Length - 1)
        {
            throw new FormatException("expected a Nix secret key of the form '<name>:<base64>' (as written by 'nix key generate-secret')");
        }

        string name = trimmed[..colon];
        NixPublicKey.ValidateName(name);
        var bytes = new byte[FileBytesLength];
        if (!Convert.TryFromBase64String(trimmed[(colon + 1)..].Replace("\n", string.Empty, StringComparison.Ordinal), bytes, out int written)
            || written != FileBytesLength)
        {
            throw new FormatException($"the secret key '{name}' is not {FileBytesLength} bytes of base64 (is it a public key?)");
        }

        var key = Key.Import(Ed25519, bytes.AsSpan(0, SeedLength), KeyBlobFormat.RawPrivateKey);
        var result = new NixSecretKey(name, key);
        if (!result.PublicKey.KeyBytes.AsSpan().SequenceEqual(bytes.AsSpan(SeedLength)))
        {
            result.Dispose();
            throw new FormatException($"the secret key '{name}' is inconsistent: its public half does not match its seed");
        }

        return result;
    }

    /// <summary>Creates a fresh key and the file text to store it under.</summary>
    public static (NixSecretKey Key, string FileText) Generate(string name)
    {
        NixPublicKey.ValidateName(name);
        using var key = Key.Create(Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        byte[] seed = key.Export(KeyBlobFormat.RawPrivateKey);
        byte[] pub = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        string text = name + ":" + Convert.ToBase64String([.. seed, .. pub]);
        return (Parse(text), text);
    }

    /// <summary>Signs a fingerprint; returns <c>name:base64(signature)</c> as it goes in a narinfo <c>Sig:</c>.</summary>
    public string Sign(string fingerprint)
    {
        byte[] signature = Ed25519.Sign(_key, Encoding.UTF8.GetBytes(fingerprint));
        return Name + ":" + Convert.ToBase64String(signature);
    }

    public override string ToString() => $"NixSecretKey({Name})";

    public void Dispose() => _key.Dispose();
}
