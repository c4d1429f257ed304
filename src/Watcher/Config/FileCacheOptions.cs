namespace Watcher.Config;

/// <summary>A <c>type = "file"</c> cache: a directory in Nix's binary-cache layout.</summary>
internal sealed class FileCacheOptions : SignedCacheOptions
{
    /// <inheritdoc />
    public override string Type => ConfigKeys.TypeFile;

    /// <summary>The cache directory (<c>path</c>, required), expanded; created if missing.</summary>
    public required string Path { get; init; }
}
