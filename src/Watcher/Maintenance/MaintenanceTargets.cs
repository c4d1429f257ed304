using Amazon.Runtime;
using Watcher.Caches;
using Watcher.Caches.Files;
using Watcher.Caches.S3;
using Watcher.Config;
using Watcher.Core;
using Watcher.Metrics;
using Watcher.Nix;

namespace Watcher.Maintenance;

/// <summary>Picks the caches a maintenance command works on and opens their objects and keys.</summary>
internal static class MaintenanceTargets
{
    /// <summary>
    /// The <c>file</c> and <c>s3</c> caches named by <c>--cache</c> (default: all of them). Attic servers keep their own
    /// integrity and retention: naming one, or having only such caches, is a usage error with an explanation.
    /// </summary>
    /// <returns>The caches, or <see langword="null"/> after writing the reason to <paramref name="error"/>.</returns>
    public static List<SignedCacheOptions>? Select(WatcherOptions options, string[] names, string command, TextWriter error)
    {
        var unknown = names.Where(n => !options.Caches.Any(c => c.Name == n)).ToList();
        if (unknown.Count > 0)
        {
            error.WriteLine($"nix-watcher: no cache named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; configured: {string.Join(", ", options.Caches.Select(c => c.Name))}");
            return null;
        }

        var chosen = names.Length == 0 ? options.Caches.ToList() : options.Caches.Where(c => names.Contains(c.Name)).ToList();
        var attic = chosen.OfType<AtticCacheOptions>().ToList();
        var signed = chosen.OfType<SignedCacheOptions>().ToList();
        foreach (var cache in attic)
        {
            error.WriteLine($"nix-watcher: {command}: cache '{cache.Name}' is an Attic cache; the Attic server keeps its own integrity and retention "
                + $"(attic cache configure {cache.Cache} --retention-period …), so {command} does not apply to it");
        }

        if ((names.Length > 0 && attic.Count > 0) || signed.Count == 0)
        {
            return null;
        }

        return signed;
    }

    /// <summary>The objects of a <c>file</c> or <c>s3</c> cache; an S3 cache's requests go through its retry policy (no breaker).</summary>
    public static ICacheObjects Open(SignedCacheOptions options, WatcherMetrics metrics, ILogger logger, TimeProvider time)
    {
        switch (options)
        {
            case FileCacheOptions file:
                return new FileCacheObjects(file.Name, file.Path, time);
            case S3CacheOptions s3:
                try
                {
                    var policy = new CachePolicy(s3.Name, s3.Retry, new CacheActivity(), metrics, time, logger, breaker: false);
                    return S3CacheObjects.Open(s3, S3ClientFactory.Create(s3), policy, time, logger);
                }
                catch (AmazonClientException ex)
                {
                    throw new ConfigException($"cache '{s3.Name}': cannot set up the S3 client: {ex.Message}", ex);
                }

            default:
                throw new ConfigException($"cache '{options.Name}': caches of type '{options.Type}' cannot be verified or collected");
        }
    }

    /// <summary>The public half of the cache's signing key, or <see langword="null"/> when the key file does not exist yet.</summary>
    public static NixPublicKey? LoadPublicKey(SignedCacheOptions options)
    {
        if (!File.Exists(options.SigningKeyFile))
        {
            return null;
        }

        using var key = SigningKeys.Load(options.SigningKeyFile);
        return key.PublicKey;
    }
}
