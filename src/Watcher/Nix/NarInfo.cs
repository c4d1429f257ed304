using System.Text;

namespace Watcher.Nix;

/// <summary>
/// A <c>.narinfo</c> file, written byte for byte as Nix writes it (key order, <c>": "</c> even before an
/// empty value, LF endings, a final LF) and parsed as leniently as Nix parses it (unknown keys ignored).
/// </summary>
internal sealed record NarInfo
{
    public required StorePath StorePath { get; init; }

    /// <summary>Path of the NAR file relative to the cache root, e.g. <c>nar/&lt;filehash&gt;.nar.zst</c>.</summary>
    public required string Url { get; init; }

    /// <summary>Nix's compression name; always written (a missing value means bzip2 to readers).</summary>
    public required string Compression { get; init; }

    public byte[]? FileHash { get; init; }

    public long? FileSize { get; init; }

    public required byte[] NarHash { get; init; }

    public required long NarSize { get; init; }

    /// <summary>References as store paths (written as base names, sorted).</summary>
    public required IReadOnlyList<StorePath> References { get; init; }

    public StorePath? Deriver { get; init; }

    public IReadOnlyList<string> Signatures { get; init; } = [];

    public string? ContentAddress { get; init; }

    /// <summary>The narinfo for a store path whose NAR was stored as <paramref name="url"/>, before signing.</summary>
    public static NarInfo ForPath(PathInfo info, string url, string compression, byte[]? fileHash, long? fileSize) => new()
    {
        StorePath = info.Path,
        Url = url,
        Compression = compression,
        FileHash = fileHash,
        FileSize = fileSize,
        NarHash = info.NarHash,
        NarSize = info.NarSize,
        References = info.References,
        Deriver = info.Deriver,
        Signatures = info.Signatures,
        ContentAddress = info.ContentAddress,
    };

    /// <summary>The fingerprint signatures are made over.</summary>
    public string Fingerprint => NixFingerprint.Compute(StorePath, NarHash, NarSize, References);

    /// <summary>
    /// This narinfo with <paramref name="key"/>'s signature over its fingerprint, replacing any earlier
    /// signature under that key name and keeping the others (signatures already on the path).
    /// </summary>
    public NarInfo SignedWith(NixSecretKey key) => this with
    {
        Signatures = [.. Signatures.Where(s => !s.StartsWith(key.Name + ":", StringComparison.Ordinal)), key.Sign(Fingerprint)],
    };

    /// <summary>The file extension Nix gives a NAR compressed with <paramref name="compression"/>.</summary>
    public static string NarExtension(string compression) => compression switch
    {
        "xz" => ".xz",
        "bzip2" => ".bz2",
        "zstd" => ".zst",
        "lzip" => ".lzip",
        "lz4" => ".lz4",
        "br" => ".br",
        _ => string.Empty,
    };

    public override string ToString()
    {
        var sb = new StringBuilder(512);
        sb.Append("StorePath: ").Append(StorePath.FullPath).Append('\n');
        sb.Append("URL: ").Append(Url).Append('\n');
        sb.Append("Compression: ").Append(Compression).Append('\n');
        if (FileHash is not null)
        {
            sb.Append("FileHash: ").Append(NixHash.ToPrefixedNix32(FileHash)).Append('\n');
        }

        if (FileSize is not null)
        {
            sb.Append("FileSize: ").Append(FileSize.Value).Append('\n');
        }

        sb.Append("NarHash: ").Append(NixHash.ToPrefixedNix32(NarHash)).Append('\n');
        sb.Append("NarSize: ").Append(NarSize).Append('\n');

        // Nix's parser reads from ": " to the next LF, so an empty list still needs the trailing space.
        sb.Append("References: ").AppendJoin(' ', References.Select(r => r.BaseName).Order(StringComparer.Ordinal)).Append('\n');
        if (Deriver is not null)
        {
            sb.Append("Deriver: ").Append(Deriver.BaseName).Append('\n');
        }

        foreach (string sig in Signatures.Order(StringComparer.Ordinal))
        {
            sb.Append("Sig: ").Append(sig).Append('\n');
        }

        if (!string.IsNullOrEmpty(ContentAddress))
        {
            sb.Append("CA: ").Append(ContentAddress).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Parses narinfo text; <paramref name="storeDir"/> is the store the cache serves.</summary>
    public static NarInfo Parse(string text, string storeDir = StorePath.DefaultStoreDir)
    {
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("a narinfo must end with a newline");
        }

        StorePath? storePath = null;
        string? url = null;
        string compression = "bzip2";
        byte[]? fileHash = null;
        long? fileSize = null;
        byte[]? narHash = null;
        long narSize = 0;
        var references = new List<StorePath>();
        StorePath? deriver = null;
        var sigs = new List<string>();
        string? ca = null;
        int lineNumber = 0;
        foreach (string line in text[..^1].Split('\n'))
        {
            lineNumber++;
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"narinfo line {lineNumber}: expected 'Key: value', got '{line}'");
            }

            string value = line[(colon + 2)..];
            switch (line[..colon])
            {
                case "StorePath": storePath = StorePath.Parse(value, storeDir); break;
                case "URL": url = value; break;
                case "Compression": compression = value.Length == 0 ? "bzip2" : value; break;
                case "FileHash": fileHash = NixHash.ParseSha256(value); break;
                case "FileSize": fileSize = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "NarHash": narHash = NixHash.ParseSha256(value); break;
                case "NarSize": narSize = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "References":
                    references.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(r => StorePath.FromBaseName(r, storeDir)));
                    break;
                case "Deriver":
                    deriver = value is "unknown-deriver" or "" ? null : StorePath.FromBaseName(value, storeDir);
                    break;
                case "Sig": sigs.Add(value); break;
                case "CA": ca = value; break;
                default: break;
            }
        }

        if (storePath is null || string.IsNullOrEmpty(url) || narHash is null || narSize == 0)
        {
            throw new FormatException("narinfo is corrupt: StorePath, URL, NarHash and a non-zero NarSize are required");
        }

        return new NarInfo
        {
            StorePath = storePath,
            Url = url,
            Compression = compression,
            FileHash = fileHash,
            FileSize = fileSize,
            NarHash = narHash,
            NarSize = narSize,
            References = references,
            Deriver = deriver,
            Signatures = sigs,
            ContentAddress = ca,
        };
    }
}
