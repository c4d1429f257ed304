using Watcher.Config;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches.Attic;

/// <summary>
/// An Attic cache (attic-api.md). Uploading a path creates it on the server, which signs narinfos itself, so
/// <see cref="PublishesOnUpload"/> is true: the push session uploads a path only after all its references are in.
/// </summary>
/// <remarks>
/// Unlike <c>attic push</c>, this sends the deriver and the path's signatures, an exact <c>Content-Length</c>,
/// missing-path queries in batches of at most <see cref="MaxHashesPerQuery"/>, and verifies the NAR locally while it
/// streams.
/// </remarks>
internal sealed partial class AtticCache : IBinaryCache, IDisposable
{
    /// <summary>attic's JSON body limit is axum's 2 MB, about 55k hashes; stay well below it.</summary>
    public const int MaxHashesPerQuery = 10_000;

    /// <summary>NARs up to this size go up hedged (<see cref="RequestKind.RepeatableUpload"/>), as S3's small bodies do (128 KiB).</summary>
    public const long HedgedNarLimit = 128 << 10;

    private static readonly Action NoProgress = () => { };

    private readonly AtticClient _client;
    private readonly string _storeDir;
    private readonly ILogger _logger;
    private readonly bool _skipUpstreamSigned;
    private readonly IRequestPolicy _policy;
    private string? _loggedConfig;

    /// <param name="client">The HTTP client for the cache.</param>
    /// <param name="storeDir">The local store directory, checked against the server's.</param>
    /// <param name="logger">Where the cache config and uploads are logged.</param>
    /// <param name="skipUpstreamSigned">Whether <see cref="UpstreamKeyNames"/> offers the server's upstream keys (<c>skip-upstream-signed</c>).</param>
    /// <param name="policy">Sends every request again when it fails transiently; once by default.</param>
    public AtticCache(AtticClient client, string storeDir, ILogger logger, bool skipUpstreamSigned = AtticCacheOptions.DefaultSkipUpstreamSigned, IRequestPolicy? policy = null)
    {
        _policy = policy ?? SingleAttempt.Instance;
        _client = client;
        _storeDir = storeDir;
        _logger = logger;
        _skipUpstreamSigned = skipUpstreamSigned;
    }

    public string Name => _client.CacheName;

    public bool PublishesOnUpload => true;

    /// <summary>The server's cache config, once <see cref="InitializeAsync"/> has run.</summary>
    public AtticCacheConfig? Config { get; private set; }

    /// <summary>Key names whose signed paths need not be pushed (the server's upstream caches); empty before initialisation.</summary>
    public IReadOnlyList<string> UpstreamCacheKeyNames => Config?.UpstreamCacheKeyNames ?? [];

    /// <summary>The upstream keys the path filter applies: the server's, unless <c>skip-upstream-signed = false</c>.</summary>
    public IReadOnlyCollection<string> UpstreamKeyNames => _skipUpstreamSigned ? UpstreamCacheKeyNames : [];

    /// <summary>Creates the cache for <paramref name="options"/>, reading the token as attic would.</summary>
    public static AtticCache Create(AtticCacheOptions options, string storeDir, IRequestPolicy policy, TimeProvider time, ILoggerFactory loggerFactory, HttpMessageHandler? handler = null)
    {
        var client = new AtticClient(options.Name, options.Cache, options.Endpoint, options.UploadEndpoint, TokenSourceFor(options), time, loggerFactory.CreateLogger<AtticClient>(), handler);
        return new AtticCache(client, storeDir, loggerFactory.CreateLogger<AtticCache>(), options.SkipUpstreamSigned, policy);
    }

    /// <summary>
    /// The token: <c>token-file</c> (ours or the attic server's), else the server's inline <c>token</c> in attic's config.
    /// When attic's entry has both and we took its <c>token-file</c>, the inline token wins, as in attic.
    /// </summary>
    public static AtticTokenSource TokenSourceFor(AtticCacheOptions options)
    {
        bool atticEntry = options.Server is not null && options.AtticConfigFile is not null;
        if (atticEntry && AtticTokenSource.HasInlineToken(options.AtticConfigFile!, options.Server!)
            && (options.TokenFile is null || AtticClientConfig.Read(options.AtticConfigFile!).Servers.GetValueOrDefault(options.Server!)?.TokenFile == options.TokenFile))
        {
            return AtticTokenSource.FromAtticConfig(options.AtticConfigFile!, options.Server!);
        }

        return options.TokenFile is not null ? AtticTokenSource.FromFile(options.TokenFile) : AtticTokenSource.None;
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var config = await _policy.RunAsync("reading the cache config", RequestKind.Repeatable, _client.GetCacheConfigAsync, cancellationToken);
        if (config.StoreDir is { Length: > 0 } storeDir && storeDir.TrimEnd('/') != _storeDir.TrimEnd('/'))
        {
            throw new CacheUploadException(
                $"attic cache '{_client.AtticCache}' on {_client.ApiEndpoint} is for store '{storeDir}', but the local store is '{_storeDir}'",
                FailureReason.Rejected);
        }

        _client.UseApiEndpoint(config.ApiEndpoint);
        Config = config;
        string upstream = string.Join(", ", UpstreamCacheKeyNames);
        string summary = $"{config.PublicKey}|{upstream}";
        if (summary == _loggedConfig)
        {
            // Every push round re-reads the config; only a change is news.
            return;
        }

        _loggedConfig = summary;
        Log.CacheConfig(_logger, Name, _client.AtticCache, config.PublicKey ?? "?", upstream);
        if (!_skipUpstreamSigned && UpstreamCacheKeyNames.Count > 0)
        {
            Log.UpstreamSignedPushed(_logger, Name, upstream);
        }
    }

    /// <remarks>Batches of at most <see cref="MaxHashesPerQuery"/> hashes; the paths of a batch whose request still fails are unknown.</remarks>
    public async Task<CacheLookup> LookupAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        var byHash = new Dictionary<string, StorePath>(paths.Count, StringComparer.Ordinal);
        foreach (var path in paths)
        {
            byHash.TryAdd(path.HashPart, path);
        }

        var missing = new HashSet<StorePath>();
        var unknown = new HashSet<StorePath>();
        string? error = null;
        foreach (string[] batch in byHash.Keys.Chunk(MaxHashesPerQuery))
        {
            IReadOnlyList<string> missingHashes;
            try
            {
                missingHashes = await _policy.RunAsync("looking up paths", RequestKind.Repeatable, ct => _client.GetMissingPathsAsync(batch, ct), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                unknown.UnionWith(batch.Select(hash => byHash[hash]));
                error ??= ex.Message;
                continue;
            }

            foreach (string hash in missingHashes)
            {
                if (byHash.TryGetValue(hash, out var path))
                {
                    missing.Add(path);
                }
            }
        }

        return new CacheLookup(missing, unknown, error);
    }

    public async Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken)
    {
        var uploadInfo = ToUploadInfo(info, _client.AtticCache);
        string what = "uploading " + info.Path.Name;

        // A small NAR goes up as S3's do: timed as a whole and sent again alongside when it has no answer after a
        // moment (the server dedupes by NAR hash, so whichever answers first counts). A held request then costs
        // seconds, not the stall timeout; most paths of a closure are this small. A larger one is timed by its progress.
        var result = info.NarSize <= HedgedNarLimit
            ? await _policy.RunAsync(what, RequestKind.RepeatableUpload, ct => _client.UploadPathAsync(uploadInfo, info, source, NoProgress, ct), cancellationToken)
            : await _policy.RunBodyAsync(what, (progress, ct) => _client.UploadPathAsync(uploadInfo, info, source, progress, ct), cancellationToken);
        Log.Uploaded(_logger, info.Path.FullPath, Name, result.Kind ?? "Uploaded", result.FileSize ?? -1);

        // Attic serves its own narinfo (signed per request); this one only reports what went up.
        return NarInfo.ForPath(info, $"nar/{info.Path.HashPart}.nar", "none", fileHash: null, fileSize: info.NarSize);
    }

    public Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _client.Dispose();

    /// <summary>The upload info attic expects: full store path, base-name references and deriver, <c>sha256:&lt;hex&gt;</c>.</summary>
    internal static AtticUploadInfo ToUploadInfo(PathInfo info, string atticCache) => new()
    {
        Cache = atticCache,
        StorePathHash = info.Path.HashPart,
        StorePath = info.Path.FullPath,
        References = [.. info.References.Select(r => r.BaseName)],
        Deriver = info.Deriver?.BaseName,
        Sigs = [.. info.Signatures],
        Ca = string.IsNullOrEmpty(info.ContentAddress) ? null : info.ContentAddress,
        NarHash = NixHash.ToPrefixedHex(info.NarHash),
        NarSize = info.NarSize,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 1420, EventName = "AtticCacheConfig", Level = LogLevel.Information, Message = "cache {Cache}: attic cache '{AtticCache}' signs with {PublicKey}; upstream keys: [{UpstreamKeys}]")]
        public static partial void CacheConfig(ILogger logger, string cache, string atticCache, string publicKey, string upstreamKeys);

        [LoggerMessage(EventId = 1421, EventName = "AtticUploaded", Level = LogLevel.Debug, Message = "uploaded {StorePath} to {Cache}: {Kind} ({FileSize} bytes stored)")]
        public static partial void Uploaded(ILogger logger, string storePath, string cache, string kind, long fileSize);

        [LoggerMessage(EventId = 1422, EventName = "AtticUpstreamSignedPushed", Level = LogLevel.Information, Message = "cache {Cache}: paths signed by the server's upstream keys [{UpstreamKeys}] are pushed too (skip-upstream-signed = false)")]
        public static partial void UpstreamSignedPushed(ILogger logger, string cache, string upstreamKeys);
    }
}
