namespace Watcher.Caches.Attic;

/// <summary>The response of <c>GET /_api/v1/cache-config/{cache}</c> (attic-api.md §3.2); every field may be absent.</summary>
internal sealed record AtticCacheConfig
{
    public string? SubstituterEndpoint { get; init; }

    public string? ApiEndpoint { get; init; }

    public string? PublicKey { get; init; }

    public bool? IsPublic { get; init; }

    public string? StoreDir { get; init; }

    public int? Priority { get; init; }

    public IReadOnlyList<string>? UpstreamCacheKeyNames { get; init; }
}

/// <summary>The body of <c>POST /_api/v1/get-missing-paths</c>.</summary>
internal sealed record AtticGetMissingPathsRequest(string Cache, IReadOnlyList<string> StorePathHashes);

/// <summary>The answer of <c>POST /_api/v1/get-missing-paths</c>.</summary>
internal sealed record AtticGetMissingPathsResponse
{
    public IReadOnlyList<string> MissingPaths { get; init; } = [];
}

/// <summary>
/// The upload info of <c>PUT /_api/v1/upload-path</c> (attic's <c>UploadPathNarInfo</c>): references and deriver
/// are base names, <see cref="StorePath"/> is full, <see cref="NarHash"/> is <c>sha256:&lt;hex&gt;</c>.
/// </summary>
internal sealed record AtticUploadInfo
{
    public required string Cache { get; init; }

    public required string StorePathHash { get; init; }

    public required string StorePath { get; init; }

    public required IReadOnlyList<string> References { get; init; }

    public string? System { get; init; }

    public string? Deriver { get; init; }

    public required IReadOnlyList<string> Sigs { get; init; }

    public string? Ca { get; init; }

    public required string NarHash { get; init; }

    public required long NarSize { get; init; }
}

/// <summary>The 200 answer of an upload (<c>UploadPathResult</c>); unknown kinds count as uploaded.</summary>
internal sealed record AtticUploadResult
{
    public string? Kind { get; init; }

    public long? FileSize { get; init; }

    public double? FracDeduplicated { get; init; }
}

/// <summary>Attic's JSON error body: <c>{"code":401,"error":"Unauthorized","message":"Unauthorized."}</c>.</summary>
internal sealed record AtticErrorBody
{
    public int? Code { get; init; }

    public string? Error { get; init; }

    public string? Message { get; init; }
}
