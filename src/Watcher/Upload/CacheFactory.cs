using Amazon.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Config;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.Upload.Attic;
using Watcher.Upload.Bandwidth;
using Watcher.Upload.Resilience;
using Watcher.Upload.S3;
using Watcher.Upload.Zstd;

namespace Watcher.Upload;

/// <summary>Creates the <see cref="IBinaryCache"/> for each configured cache and owns their signing keys.</summary>
internal sealed partial class CacheFactory : IDisposable
{
    private readonly List<NixSecretKey> _keys = [];
    private readonly List<IDisposable> _caches = [];
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private bool _zstdLogged;

    public CacheFactory(ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<CacheFactory>();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Public keys created on this run, to show the user once.</summary>
    public List<(string KeyFile, NixPublicKey PublicKey)> CreatedKeys { get; } = [];

    /// <summary>
    /// Whether a missing default signing key is created. When false (<c>nix-watcher check</c>), such a cache
    /// gets no key and the file is listed in <see cref="MissingKeys"/> instead; it can be probed but not published to.
    /// </summary>
    /// <value>The default value is <see langword="true"/>: the first run creates the key.</value>
    public bool CreateMissingKeys { get; init; } = true;

    /// <summary>Where an S3 cache notes its open multipart uploads (the daemon's state); by default nowhere.</summary>
    public Func<string, IMultipartJournal> MultipartJournals { get; init; } = _ => NoMultipartJournal.Instance;

    /// <summary>The <c>max-upload-rate</c> limits S3 and Attic caches send their bodies through; none when null.</summary>
    public UploadLimits? Limits { get; init; }

    /// <summary>Where S3 caches stage their NARs; required to create one.</summary>
    public StagingDirectory? Staging { get; init; }

    /// <summary>
    /// How the zstd encoder in use is logged, once: the daemon says it at start (Information); the one-shot commands
    /// keep their output to what was pushed (Debug), and <c>check -v</c> prints it.
    /// </summary>
    public LogLevel EncoderLogLevel { get; init; } = LogLevel.Debug;

    /// <summary>Default key files that do not exist yet and were not created (see <see cref="CreateMissingKeys"/>).</summary>
    public List<string> MissingKeys { get; } = [];

    /// <summary>Creates the cache for <paramref name="options"/>; it sends every request through <paramref name="policy"/>.</summary>
    public IBinaryCache Create(CacheOptions options, string storeDir, IRequestPolicy policy) => options switch
    {
        FileCacheOptions file => new FileCache(file.Name, file.Path, CreateEncoder(file), LoadKey(file), storeDir, policy: policy, logger: _loggerFactory.CreateLogger<FileCache>(), time: _time),
        AtticCacheOptions attic => Track(AtticCache.Create(attic, storeDir, policy, _time, _loggerFactory, Limits is { } limits ? new ThrottlingHandler(AtticClient.CreateHandler(), limits.For(attic.Name), AtticClient.IsUpload) : null)),
        S3CacheOptions s3 => Track(CreateS3(s3, storeDir, policy)),
        _ => throw new ConfigException($"cache '{options.Name}': caches of type '{options.Type}' are not supported by this version of nix-watcher"),
    };

    /// <summary>
    /// Creates the cache with its own retry policy (<see cref="CacheOptions.Retry"/>) and wraps it to record metrics and
    /// activity. <paramref name="breaker"/>: whether a cache that keeps failing is paused (the daemon) or fails the
    /// command (one-shot commands). <paramref name="retry"/> replaces the configured retries (<c>check</c> tries once).
    /// </summary>
    public MeteredCache CreateMetered(CacheOptions options, string storeDir, WatcherMetrics metrics, bool breaker, RetryOptions? retry = null)
    {
        var activity = new CacheActivity();
        var policy = new CachePolicy(options.Name, retry ?? options.Retry, activity, metrics, _time, _loggerFactory.CreateLogger<CachePolicy>(), breaker);
        return new MeteredCache(Create(options, storeDir, policy), activity, metrics, _time);
    }

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

    private T Track<T>(T cache)
        where T : IDisposable
    {
        _caches.Add(cache);
        return cache;
    }

    private S3Cache CreateS3(S3CacheOptions options, string storeDir, IRequestPolicy policy)
    {
        var staging = Staging ?? throw new InvalidOperationException($"cache '{options.Name}': no staging directory for S3 NARs");
        Amazon.S3.AmazonS3Client client;
        try
        {
            client = S3ClientFactory.Create(options, Limits?.For(options.Name));
        }
        catch (AmazonClientException ex)
        {
            string profile = options.Profile is null ? string.Empty : $" (profile '{options.Profile}')";
            throw new ConfigException($"cache '{options.Name}': cannot set up the S3 client{profile}: {ex.Message}", ex);
        }

        return new S3Cache(options, client, CreateEncoder(options), LoadKey(options), storeDir, policy, MultipartJournals(options.Name), staging, _time, _loggerFactory.CreateLogger<S3Cache>());
    }

    private NarEncoder CreateEncoder(SignedCacheOptions options)
    {
        if (options.Compression == CompressionKind.Zstd && !_zstdLogged)
        {
            _zstdLogged = true;
            string encoder = ZstdEncoders.Describe();
            Log.ZstdEncoder(_logger, EncoderLogLevel, encoder);
        }

        return new NarEncoder(
            options.Compression == CompressionKind.Zstd ? NarCompression.Zstd : NarCompression.None,
            options.CompressionLevel,
            Environment.ProcessorCount);
    }

    private NixSecretKey? LoadKey(SignedCacheOptions options)
    {
        NixSecretKey key;
        if (options.GenerateSigningKeyIfMissing && !CreateMissingKeys && !File.Exists(options.SigningKeyFile))
        {
            if (!MissingKeys.Contains(options.SigningKeyFile))
            {
                MissingKeys.Add(options.SigningKeyFile);
            }

            return null;
        }

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

    private static partial class Log
    {
        [LoggerMessage(EventId = 1510, EventName = "ZstdEncoder", Message = "zstd: {Encoder}")]
        public static partial void ZstdEncoder(ILogger logger, LogLevel level, string encoder);
    }
}
