namespace Watcher.Config;

/// <summary>A <c>type = "attic"</c> cache, addressed through attic's client config or directly.</summary>
/// <remarks>The loader never holds a token. With <see cref="Server"/>, the attic client reads the token
/// (inline <c>token</c> or <c>token-file</c>) from <see cref="AtticConfigFile"/> at start, as attic does.</remarks>
internal sealed class AtticCacheOptions : CacheOptions
{
    /// <summary>The default of <see cref="SkipUpstreamSigned"/>.</summary>
    public const bool DefaultSkipUpstreamSigned = true;

    /// <inheritdoc />
    public override string Type => ConfigKeys.TypeAttic;

    /// <summary>The server name in attic's <c>config.toml</c> (<c>server</c>), or <see langword="null"/> when <c>endpoint</c> is given.</summary>
    public string? Server { get; init; }

    /// <summary>The cache name on the server (<c>cache</c>, required).</summary>
    public required string Cache { get; init; }

    /// <summary>The API endpoint: the <c>endpoint</c> key, or the server's endpoint from attic's config.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The file holding the token (<c>token-file</c>, or the server's <c>token-file</c>), expanded.</summary>
    /// <value>The default value is <see langword="null"/>: no token file (an inline token in attic's config, or anonymous).</value>
    public string? TokenFile { get; init; }

    /// <summary>Attic's client config the <see cref="Server"/> entry was read from, when <see cref="Server"/> is set.</summary>
    public string? AtticConfigFile { get; init; }

    /// <summary>An endpoint used for uploads only (<c>upload-endpoint</c>), e.g. on the LAN past a size-limited proxy.</summary>
    /// <value>The default value is <see langword="null"/>: uploads go to <see cref="Endpoint"/>.</value>
    public Uri? UploadEndpoint { get; init; }

    /// <summary>
    /// Whether paths signed by one of the server's <c>upstream_cache_key_names</c> (its cache config) are left out, as
    /// <c>attic push</c> does (<c>skip-upstream-signed</c>). <c>skip-signed-by</c> applies either way.
    /// </summary>
    /// <value>
    /// The default value is <see langword="true"/>: what cache.nixos.org serves need not be stored twice. Turn it off
    /// for a cache that must be complete on its own (an air-gapped network, a CI cache outliving upstream's GC).
    /// </value>
    public bool SkipUpstreamSigned { get; init; } = DefaultSkipUpstreamSigned;
}
