using Amazon.S3;
using Watcher.Config;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches.S3;

/// <summary>
/// A binary cache in an S3-compatible bucket, in the layout and with the headers of <c>nix copy --to s3://</c>:
/// <c>nix-cache-info</c>, <c>&lt;hash&gt;.narinfo</c> and <c>nar/&lt;filehash&gt;.nar.zst</c>.
/// </summary>
/// <remarks>
/// <para>A NAR's key is the hash of its compressed bytes, known only once it is compressed, so the NAR is
/// staged in a file first (in the <see cref="StagingDirectory"/>). That keeps memory flat whatever the NAR's size and lets a failed
/// multipart part be read again.</para>
/// <para>Several pushers can share a bucket: a NAR key names its content (an existing one is skipped), a narinfo is
/// written only after its NAR object is complete, and writes carry <c>If-None-Match: *</c>, so the first writer of a
/// narinfo wins and a late retry never replaces it; the loser's NAR is deleted (see <see cref="TryPublishAsync"/>).
/// Where the server ignores the header, two pushers writing the same narinfo write equivalent, valid documents.</para>
/// </remarks>
internal sealed partial class S3Cache : IBinaryCache, IDisposable
{
    /// <summary>How many narinfo HEAD requests <see cref="LookupAsync"/> keeps in flight.</summary>
    public const int ParallelLookups = 16;

    public const string CacheInfoContentType = "text/x-nix-cache-info";
    public const string NarInfoContentType = "text/x-nix-narinfo";
    public const string NarContentType = "application/x-nix-nar";

    private readonly S3Bucket _bucket;
    private readonly NarEncoder _encoder;
    private readonly NixSecretKey? _signingKey;
    private readonly string _storeDir;
    private readonly ILogger _logger;
    private readonly StagingDirectory _staging;
    private readonly S3CacheObjects _objects;
    private readonly ObjectRefresher _refresher;
    private readonly TimeProvider _time;
    private readonly WrittenNars _nars = new();
    private bool _leftoversAborted;

    public S3Cache(S3CacheOptions options, IAmazonS3 client, NarEncoder encoder, NixSecretKey? signingKey, string storeDir, IRequestPolicy policy, IMultipartJournal journal, StagingDirectory staging, TimeProvider time, ILogger logger)
    {
        Name = options.Name;
        _bucket = new S3Bucket(options, client, policy, journal, time, logger);
        _encoder = encoder;
        _signingKey = signingKey;
        _storeDir = storeDir;
        _logger = logger;
        _staging = staging;
        _time = time;
        if (client is SkewCorrectingS3Client skewing)
        {
            skewing.ClockSkew.Corrected += offset => Log.ClockOff(_logger, _bucket.Where, S3ClockSkew.Describe(offset));
        }

        // The same bucket: refreshes, the nix-cache-info identity and a running collection go through this cache's
        // requests (one client, one policy, and its multipart journal for the rewrite of a large NAR).
        _objects = new S3CacheObjects(Name, _bucket);
        _refresher = new ObjectRefresher(_objects, time);
    }

    public string Name { get; }

    public bool PublishesOnUpload => false;

    public bool HasCacheInfo => true;

    public ICacheObjects? Objects => _objects;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (!_leftoversAborted)
        {
            await _bucket.SweepLeftoversAsync(StorePathExists, cancellationToken);
            _leftoversAborted = true;
        }

        // Never overwritten: users set Priority or WantMassQuery in it. Of two pushers racing here the first one's stays
        // (where the server honours If-None-Match; elsewhere both write the same default document).
        if (!await _bucket.ExistsAsync(CacheKeys.CacheInfoKey, cancellationToken))
        {
            if (await _bucket.PutTextAsync(CacheKeys.CacheInfoKey, $"StoreDir: {_storeDir}\n", CacheInfoContentType, cancellationToken) is null)
            {
                Log.CacheInfoCreated(_logger, _bucket.Where);
            }
        }
    }

    /// <remarks>
    /// One HEAD per path, <see cref="ParallelLookups"/> at a time, each through the retry policy on its own: a path whose
    /// lookup still fails is <see cref="CacheLookup.Unknown"/> and never fails the others. The HEAD's last-modified time
    /// tells the <see cref="CacheLookup.Aged"/> ones.
    /// </remarks>
    public async Task<CacheLookup> LookupAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        var missing = new HashSet<StorePath>();
        var unknown = new HashSet<StorePath>();
        var aged = new HashSet<StorePath>();
        var agedBefore = _time.GetUtcNow() - GcLimits.RefreshAfter;
        string? error = null;
        await Parallel.ForEachAsync(
            paths,
            new ParallelOptions { MaxDegreeOfParallelism = ParallelLookups, CancellationToken = cancellationToken },
            async (path, ct) =>
            {
                try
                {
                    var narInfo = await _bucket.StatAsync(NarInfoKey(path), ct);
                    lock (missing)
                    {
                        if (narInfo is null)
                        {
                            missing.Add(path);
                        }
                        else if (narInfo.LastModified < agedBefore)
                        {
                            aged.Add(path);
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    lock (missing)
                    {
                        unknown.Add(path);
                        error ??= ex.Message;
                    }
                }
            });
        return new CacheLookup(missing, unknown, error) { Aged = aged };
    }

    public Task<CacheLookup> RefreshAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) => _refresher.RefreshNarInfosAsync(paths, cancellationToken);

    public Task<bool> RefreshNarAsync(NarInfo narInfo, CancellationToken cancellationToken) => _refresher.RefreshObjectAsync(narInfo.Url, cancellationToken);

    public Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken) => _objects.ReadCacheInfoIdentityAsync(cancellationToken);

    public async Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken)
    {
        string staged = _staging.NewFile(info.Path.HashPart);
        try
        {
            EncodedNar encoded;
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                BufferSize = 1 << 16,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            await using (var file = new FileStream(staged, options))
            {
                encoded = await _encoder.EncodeAsync(info, source, file, cancellationToken);
            }

            // NAR keys name their content: an object already there with this size holds these very bytes (one of another
            // size is what an interrupted or damaged upload left, and is written over). One nothing names yet is kept from
            // gc only by its age until the narinfo is published, so an old one is refreshed, or written again if that fails.
            // A NAR nobody had goes up only if it is still absent (first writer wins): one that appeared meanwhile counts
            // when it holds these bytes. Only a NAR this upload created can be deleted later (see TryPublishAsync).
            await _nars.UploadAsync(encoded.Url, async () =>
            {
                var existing = await _bucket.StatAsync(encoded.Url, cancellationToken);
                if (existing is not null && existing.Size == encoded.FileSize
                    && (_time.GetUtcNow() - existing.LastModified < GcLimits.NarRefreshAfter || await _refresher.RefreshObjectAsync(encoded.Url, cancellationToken)))
                {
                    Log.NarPresent(_logger, encoded.Url, info.Path.FullPath);
                    await _bucket.DropLeftoversAsync(info.Path.FullPath, keep: null);
                    return false;
                }

                // An upload an interrupted run left for this path goes on if it is of this very NAR (its key), else it goes.
                await _bucket.DropLeftoversAsync(info.Path.FullPath, keep: encoded.Url);
                var put = await _bucket.PutFileAsync(encoded.Url, staged, NarContentType, ifAbsent: existing is null, cancellationToken, info.Path.FullPath);
                if (put == ConditionalPut.InPlace)
                {
                    Log.NarPresent(_logger, encoded.Url, info.Path.FullPath);
                }

                return put == ConditionalPut.Created;
            }, cancellationToken);

            return encoded.ToNarInfo(info);
        }
        finally
        {
            File.Delete(staged);
        }
    }

    public Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken) => TryPublishAsync(narInfo, cancellationToken);

    /// <remarks>
    /// The narinfo goes up only if none is in place (first writer wins, where the server honours If-None-Match). When
    /// another writer's is there, it stays: the path is present, and the NAR is deleted if this push created it (see
    /// <see cref="WrittenNars"/>), that narinfo names another, and no other path of this cache waits to name it.
    /// </remarks>
    public async Task<bool> TryPublishAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        var signed = _signingKey is null ? narInfo : narInfo.SignedWith(_signingKey);

        // No Content-Encoding: Nix ≥ 2.34 decodes only what libcurl does, and a plain narinfo reads everywhere.
        string? winner = null;
        bool answered = false;
        try
        {
            winner = await _bucket.PutTextAsync(NarInfoKey(narInfo.StorePath), signed.ToString(), NarInfoContentType, cancellationToken);
            answered = true;
        }
        finally
        {
            if (!answered)
            {
                _nars.Failed(narInfo.Url);
            }
        }

        if (winner is null)
        {
            _nars.Named(narInfo.Url);
            return true;
        }

        string? winnerUrl = NamedNar(winner);
        Log.NarInfoInPlace(_logger, narInfo.StorePath.FullPath, _bucket.Where, winnerUrl ?? "an unreadable URL");
        if (winnerUrl is null || winnerUrl == narInfo.Url)
        {
            _nars.Named(narInfo.Url);
        }
        else if (_nars.Lost(narInfo.Url))
        {
            try
            {
                await _bucket.DeleteAsync(narInfo.Url, cancellationToken);
                Log.OwnNarDeleted(_logger, narInfo.Url, narInfo.StorePath.FullPath);
            }
            catch (CacheUploadException ex)
            {
                // The path is in the cache all the same; the NAR stays an orphan until gc.
                Log.OwnNarKept(_logger, narInfo.Url, ex.Message);
            }
            finally
            {
                _nars.Deleted(narInfo.Url);
            }
        }

        return false;
    }

    public void Dispose() => _bucket.Dispose();

    private static string NarInfoKey(StorePath path) => path.HashPart + ".narinfo";

    /// <summary>The NAR url of another writer's narinfo, or null when it does not parse.</summary>
    private string? NamedNar(string narInfo)
    {
        try
        {
            return NarInfo.Parse(narInfo, _storeDir).Url;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Whether a store path is still there (not collected): a left upload of its NAR is kept for resume while it is.</summary>
    private static bool StorePathExists(string path) => Path.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1300, EventName = "S3CacheInfoCreated", Level = LogLevel.Information, Message = "{Where}: created nix-cache-info")]
        public static partial void CacheInfoCreated(ILogger logger, string where);

        [LoggerMessage(EventId = 1301, EventName = "S3NarPresent", Level = LogLevel.Debug, Message = "{Key} is already in the bucket; not uploading the NAR of {StorePath} again")]
        public static partial void NarPresent(ILogger logger, string key, string storePath);

        [LoggerMessage(EventId = 1303, EventName = "S3NarInfoInPlace", Level = LogLevel.Information, Message = "{StorePath}: another writer's narinfo was in {Where} first; it stays (naming {Url}) and the path counts as present")]
        public static partial void NarInfoInPlace(ILogger logger, string storePath, string where, string url);

        [LoggerMessage(EventId = 1304, EventName = "S3OwnNarDeleted", Level = LogLevel.Debug, Message = "deleted {Key}, written for {StorePath} but named by no narinfo")]
        public static partial void OwnNarDeleted(ILogger logger, string key, string storePath);

        [LoggerMessage(EventId = 1305, EventName = "S3OwnNarKept", Level = LogLevel.Warning, Message = "could not delete {Key}, which no narinfo names; gc removes it: {Reason}")]
        public static partial void OwnNarKept(ILogger logger, string key, string reason);

        [LoggerMessage(EventId = 1302, EventName = "S3ClockOff", Level = LogLevel.Warning, Message = "{Where}: {Offset}; the server refused a request's time, so requests are signed with the server's time from now on")]
        public static partial void ClockOff(ILogger logger, string where, string offset);
    }
}
