namespace Watcher.Config;

/// <summary>
/// The TOML table and key names of <c>config.toml</c> (kebab-case, as in nix.conf and attic's config),
/// plus the names of the environment variables and files the loader consults.
/// </summary>
internal static class ConfigKeys
{
    // Top level.
    public const string StateDir = "state-dir";
    public const string Watch = "watch";
    public const string Caches = "caches";
    public const string Metrics = "metrics";
    public const string Retry = "retry";
    public const string MaxUploadRate = "max-upload-rate"; // also in [caches.<name>], s3 and attic

    // [watch]
    public const string StoreDir = "store-dir";
    public const string Scan = "scan";
    public const string Roots = "roots";
    public const string SkipDerivations = "skip-derivations";
    public const string Exclude = "exclude";
    public const string Jobs = "jobs";
    public const string BatchQuietMs = "batch-quiet-ms";
    public const string BatchMaxMs = "batch-max-ms";

    // [caches.<name>], every type.
    public const string Type = "type";
    public const string SkipSignedBy = "skip-signed-by";

    // [caches.<name>], file and s3.
    public const string Compression = "compression";
    public const string CompressionLevel = "compression-level";
    public const string SigningKeyFile = "signing-key-file";

    // [caches.<name>.retention], file and s3.
    public const string Retention = "retention";
    public const string KeepDays = "keep-days";
    public const string Interval = "interval";
    public const string Grace = "grace";

    // [caches.<name>] type = "file"
    public const string Path = "path";

    // [caches.<name>] type = "s3"
    public const string Bucket = "bucket";
    public const string Endpoint = "endpoint";
    public const string Region = "region";
    public const string Profile = "profile";
    public const string PartSizeMb = "part-size-mb";

    // [caches.<name>] type = "attic" (endpoint is shared with s3)
    public const string Server = "server";
    public const string Cache = "cache";
    public const string TokenFile = "token-file";
    public const string UploadEndpoint = "upload-endpoint";
    public const string SkipUpstreamSigned = "skip-upstream-signed";

    // [metrics]
    public const string Listen = "listen";

    // [retry] and [caches.<name>.retry]
    public const string Attempts = "attempts";
    public const string BaseDelayMs = "base-delay-ms";
    public const string MaxDelayMs = "max-delay-ms";
    public const string TimeoutMs = "timeout-ms";
    public const string StallTimeoutMs = "stall-timeout-ms";

    // Values of caches.<name>.type, watch.scan and caches.<name>.compression.
    public const string TypeFile = "file";
    public const string TypeS3 = "s3";
    public const string TypeAttic = "attic";
    public const string ScanNone = "none";
    public const string ScanRoots = "roots";
    public const string ScanAll = "all";
    public const string CompressionZstd = "zstd";
    public const string CompressionNone = "none";

    // attic's own client config (attic client/src/config.rs).
    public const string AtticServers = "servers";
    public const string AtticToken = "token";

    // Environment and well-known files.
    public const string EnvHome = "HOME";
    public const string EnvXdgConfigHome = "XDG_CONFIG_HOME";
    public const string EnvXdgCacheHome = "XDG_CACHE_HOME";
    public const string EnvXdgStateHome = "XDG_STATE_HOME";
    public const string EnvConfigFile = "NIX_WATCHER_CONFIG";
    public const string AppDirectoryName = "nix-watcher";
    public const string ConfigFileName = "config.toml";
    public const string SigningKeyFileName = "signing.key";
    public const string DefaultCacheName = "local";
    public const string AtticDirectoryName = "attic";
}
