using Amazon.S3;
using Amazon.S3.Model;

namespace Watcher.Caches.S3;

/// <content>What <c>nix-watcher check</c> asks a bucket, writing nothing: whether it answers, and its lifecycle rules.</content>
internal sealed partial class S3Bucket
{
    /// <summary>
    /// Reads <c>nix-cache-info</c> (a GET, not a HEAD: only a response body tells a missing key from a missing bucket or
    /// rejected credentials); false when the bucket answers but has none yet. Any other failure is the cache's error.
    /// </summary>
    public Task<bool> HasCacheInfoAsync(CancellationToken cancellationToken) =>
        SendAsync($"reading {CacheKeys.CacheInfoKey}", RequestKind.Single, async ct =>
        {
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = CacheKeys.CacheInfoKey }, ct);
                return true;
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchKey")
            {
                return false;
            }
        }, cancellationToken);

    /// <summary>The bucket's lifecycle rules, none when it has no lifecycle configuration.</summary>
    /// <exception cref="AmazonS3Exception">The server does not report them, or refuses to (left to the caller to describe).</exception>
    public async Task<IReadOnlyList<LifecycleRule>> LifecycleRulesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetLifecycleConfigurationAsync(new GetLifecycleConfigurationRequest { BucketName = _bucket }, cancellationToken);
            return response.Configuration?.Rules ?? [];
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchLifecycleConfiguration")
        {
            return [];
        }
    }
}
