namespace Watcher.Config;

/// <summary>A cache whose narinfos Watcher signs and whose NARs it compresses itself (<c>file</c> and <c>s3</c>).</summary>
internal abstract class SignedCacheOptions : CacheOptions
{
    /// <summary>The default of <see cref="CompressionLevel"/>.</summary>
    public const int DefaultCompressionLevel = 3;

    /// <summary>The highest accepted <see cref="CompressionLevel"/>; above it are zstd's "ultra" levels,
    /// whose large windows some decoders refuse by default.</summary>
    public const int MaxCompressionLevel = 19;

    /// <summary>The Nix secret key file narinfos are signed with (<c>signing-key-file</c>), expanded.</summary>
    /// <value>The default value is <c>$XDG_CONFIG_HOME/nix-watcher/signing.key</c>: <c>require-sigs = true</c>
    /// clients need a signature, and one generated key per user is the zero-configuration answer.</value>
    public required string SigningKeyFile { get; init; }

    /// <summary>
    /// Whether <see cref="SigningKeyFile"/> is the default key, which is created (and its public key
    /// printed) on first run when missing. The loader only validates it when it already exists.
    /// </summary>
    public bool GenerateSigningKeyIfMissing { get; init; }

    /// <summary>How NARs are compressed (<c>compression</c>).</summary>
    /// <value>The default value is <see cref="CompressionKind.Zstd"/>: far smaller than raw NARs at a
    /// negligible CPU cost, and every Nix since 2.3 reads it.</value>
    public CompressionKind Compression { get; init; } = CompressionKind.Zstd;

    /// <summary>The zstd level, 1–19 (<c>compression-level</c>).</summary>
    /// <value>The default value is 3, zstd's own default: several hundred MB/s per core with a ratio close
    /// to xz's lower levels, so compression never becomes the bottleneck of a LAN upload. Higher levels
    /// cost much more CPU for a few percent.</value>
    public int CompressionLevel { get; init; } = DefaultCompressionLevel;

    /// <summary>The daemon's scheduled closure-safe <c>gc</c> of this cache (<c>[caches.NAME.retention]</c>).</summary>
    /// <value>The default value is <see langword="null"/>: nothing is deleted unless asked; <c>nix-watcher gc</c> can be run by hand or from a timer instead.</value>
    public RetentionOptions? Retention { get; init; }
}
