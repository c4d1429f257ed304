using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Watcher.Config;
using Watcher.Upload.Bandwidth;

namespace Watcher.Upload.S3;

/// <summary>Builds the <see cref="AmazonS3Client"/> for an <c>s3</c> cache from its options.</summary>
internal static class S3ClientFactory
{
    /// <summary>Nix's default region for S3 stores, used when neither the config nor the environment names one.</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>
    /// Creates the client. Credentials come from <see cref="S3CacheOptions.Profile"/> (shared credentials and
    /// config files) when set, otherwise from the SDK's default chain (environment, <c>AWS_PROFILE</c>, the
    /// default profile, container and instance credentials). TLS certificates are always verified.
    /// </summary>
    /// <param name="options">The cache.</param>
    /// <param name="throttle">The limits on its request bodies (<c>max-upload-rate</c>); none when null.</param>
    public static SkewCorrectingS3Client Create(S3CacheOptions options, UploadThrottle? throttle = null)
    {
        var config = new AmazonS3Config
        {
            // aws-chunked framing and trailing checksums corrupt or break objects on many S3-compatible
            // servers (s3rver stores the framing, older MinIO/R2/Garage reject it); plain bodies work everywhere.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // Retries are the cache policy's (Polly: backoff with jitter, Retry-After, a circuit breaker, metrics);
            // the SDK retrying underneath would multiply them and hide them from the metrics. Its one retry left is the
            // clock-skew correction (SkewCorrectingS3Client).
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (throttle is not null)
        {
            config.HttpClientFactory = new S3HttpClientFactory(throttle);
        }

        if (options.Profile is not null)
        {
            config.Profile = new Profile(options.Profile);
        }

        if (options.Endpoint is not null)
        {
            // MinIO, Garage, Ceph and friends: path-style URLs (http://host:port/bucket/key) at the endpoint.
            config.ServiceURL = options.Endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = options.Region ?? DefaultRegion;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region ?? FallbackRegionFactory.GetRegionEndpoint()?.SystemName ?? DefaultRegion);
        }

        return new SkewCorrectingS3Client(config, new S3ClockSkew(DescribeEndpoint(options)));
    }

    /// <summary>The endpoint to name in messages: the configured one, or the AWS region.</summary>
    public static string DescribeEndpoint(S3CacheOptions options) =>
        options.Endpoint?.ToString().TrimEnd('/') ?? $"AWS {options.Region ?? DefaultRegion}";
}
