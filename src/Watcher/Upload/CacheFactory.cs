using Amazon.Runtime;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Upload.S3;

namespace Watcher.Upload;

/// <summary>Creates the <see cref="IBinaryCache"/> for each configured cache and owns their signing keys.</summary>
internal sealed class CacheFactory(ILoggerFactory? loggerFactory = null) : IDisposable
{
    private readonly ILoggerFactory _loggerFactory = loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
    private readonly List<NixSecretKey> _keys = [];
    private readonly List<IDisposable> _caches = [];

    /// <summary>Public keys created on this run, to show the user once.</summary>
    public List<(string KeyFile, NixPublicKey PublicKey)> CreatedKeys { get; } = [];

    public IBinaryCache Create(CacheOptions options, string storeDir) => options switch
    {
        FileCacheOptions file => new FileCache(file.Name, file.Path, CreateEncoder(file), LoadKey(file), storeDir),
        S3CacheOptions s3 => CreateS3(s3, storeDir),
        _ => throw new ConfigException($"cache '{options.Name}': caches of type '{options.Type}' are not supported by this version of nix-watcher"),
    };

    public void Dispose()
    {
        foreach (var cache in _caches)
        {
            cache.Dispose();
        }

        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    private S3Cache CreateS3(S3CacheOptions options, string storeDir)
    {
        Amazon.S3.AmazonS3Client client;
        try
        {
            client = S3ClientFactory.Create(options);
        }
        catch (AmazonClientException ex)
        {
            string profile = options.Profile is null ? string.Empty : $" (profile '{options.Profile}')";
            throw new ConfigException($"cache '{options.Name}': cannot set up the S3 client{profile}: {ex.Message}", ex);
        }

        var cache = new S3Cache(options, client, CreateEncoder(options), LoadKey(options), storeDir, _loggerFactory.CreateLogger<S3Cache>());
        _caches.Add(cache);
        return cache;
    }

    private static NarEncoder CreateEncoder(SignedCacheOptions options) => new(
        options.Compression == CompressionKind.Zstd ? NarCompression.Zstd : NarCompression.None,
        options.CompressionLevel,
        Environment.ProcessorCount);

    private NixSecretKey LoadKey(SignedCacheOptions options)
    {
        NixSecretKey key;
        if (options.GenerateSigningKeyIfMissing)
        {
            key = SigningKeys.LoadOrCreate(options.SigningKeyFile, SigningKeys.DefaultKeyName(), out bool created);
            if (created)
            {
                CreatedKeys.Add((options.SigningKeyFile, key.PublicKey));
            }
        }
        else
        {
            key = SigningKeys.Load(options.SigningKeyFile);
        }

        _keys.Add(key);
        return key;
    }
}
