namespace Watcher.Config;

/// <summary>A <c>type = "s3"</c> cache: an S3-compatible bucket in the layout of <c>nix copy --to s3://</c>.</summary>
internal sealed class S3CacheOptions : SignedCacheOptions
{
    /// <summary>The smallest part size S3 accepts for multipart uploads, in MiB.</summary>
    public const int MinPartSizeMb = 5;

    /// <summary>The largest part size S3 accepts, in MiB (5 GiB).</summary>
    public const int MaxPartSizeMb = 5120;

    /// <summary>The default of <see cref="PartSizeMb"/>.</summary>
    public const int DefaultPartSizeMb = 64;

    /// <inheritdoc />
    public override string Type => ConfigKeys.TypeS3;

    /// <summary>The bucket name (<c>bucket</c>, required).</summary>
    public required string Bucket { get; init; }

    /// <summary>The S3 endpoint for non-AWS services (<c>endpoint</c>); path-style addressing is used with it.</summary>
    /// <value>The default value is <see langword="null"/>: AWS itself, found from the region.</value>
    public Uri? Endpoint { get; init; }

    /// <summary>The region (<c>region</c>).</summary>
    /// <value>The default value is <see langword="null"/>: the profile's or environment's region, else <c>us-east-1</c> as Nix does.</value>
    public string? Region { get; init; }

    /// <summary>The AWS shared-config profile with the credentials (<c>profile</c>).</summary>
    /// <value>The default value is <see langword="null"/>: the SDK's default credentials chain.</value>
    public string? Profile { get; init; }

    /// <summary>The largest multipart part, in MiB (<c>part-size-mb</c>), 5–5120.</summary>
    /// <value>The default value is 64: large NARs need few parts, and a part stays under the 100 MB request
    /// limit of common reverse proxies (e.g. Cloudflare) in front of self-hosted S3.</value>
    public int PartSizeMb { get; init; } = DefaultPartSizeMb;
}
