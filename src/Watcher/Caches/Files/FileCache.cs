using Watcher.Caches.Zstd;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches.Files;

/// <summary>
/// A binary cache in a local directory, in Nix's layout (<c>nix-cache-info</c>, <c>&lt;hash&gt;.narinfo</c>,
/// <c>nar/&lt;filehash&gt;.nar.zst</c>). Every file is written under a temporary name and renamed into
/// place, so a reader (or a crash) never sees a partial file.
/// </summary>
/// <remarks>
/// Durability is a group commit (<see cref="GroupSync"/>): a narinfo is written only after a sync that follows its
/// NAR (and its references' narinfos), and <see cref="FlushAsync"/> syncs the narinfos before the outcomes are
/// recorded, so after a power cut the cache holds every path the state says it does, each with its whole NAR.
/// </remarks>
internal sealed partial class FileCache : IBinaryCache, IDisposable
{
    private readonly string _root;
    private readonly NarEncoder _encoder;
    private readonly NixSecretKey? _signingKey;
    private readonly string _storeDir;
    private readonly GroupSync _sync;
    private readonly IRequestPolicy _policy;
    private readonly ILogger? _logger;
    private readonly TimeProvider _time;
    private readonly FileCacheObjects _objects;
    private readonly ObjectRefresher _refresher;

    /// <summary>Durability comes from <paramref name="sync"/>; by default a <c>syncfs</c> of the cache directory's file system.</summary>
    /// <param name="name">The cache's name in the config.</param>
    /// <param name="root">The cache directory.</param>
    /// <param name="encoder">Compresses and hashes the NARs.</param>
    /// <param name="signingKey">Signs the narinfos, if set.</param>
    /// <param name="storeDir">The store directory named in <c>nix-cache-info</c>.</param>
    /// <param name="sync">Makes written files durable; tests pass their own.</param>
    /// <param name="policy">Retries writes that fail transiently (a full disk); once by default.</param>
    /// <param name="logger">Says what the start-up sweep of temporary files removed.</param>
    /// <param name="time">The clock of narinfo ages and refreshes; the system's by default.</param>
    public FileCache(string name, string root, NarEncoder encoder, NixSecretKey? signingKey, string storeDir = StorePath.DefaultStoreDir, GroupSync? sync = null, IRequestPolicy? policy = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _objects = new FileCacheObjects(name, root, _time);
        _refresher = new ObjectRefresher(_objects, _time);
        _policy = policy ?? SingleAttempt.Instance;
        Name = name;
        _root = root;
        _encoder = encoder;
        _signingKey = signingKey;
        _storeDir = storeDir;
        _sync = sync ?? GroupSync.ForDirectory(root);
        _logger = logger;
    }

    public string Name { get; }

    public bool PublishesOnUpload => false;

    public bool HasCacheInfo => true;

    public ICacheObjects? Objects => _objects;

    /// <remarks>Also deletes the temporary files that interrupted writers left (<see cref="CacheTempFiles"/>).</remarks>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(_root, "nar"));
        var (files, bytes) = CacheTempFiles.Sweep(Path.Combine(_root, "nar"));
        var (narInfos, narInfoBytes) = CacheTempFiles.Sweep(_root);
        if (files + narInfos > 0 && _logger is not null)
        {
            Log.TempFilesSwept(_logger, files + narInfos, bytes + narInfoBytes, Name, _root);
        }

        string info = Path.Combine(_root, "nix-cache-info");
        if (!File.Exists(info))
        {
            WriteAtomically(info, $"StoreDir: {_storeDir}\n", cancellationToken);
            await _sync.SyncAsync(cancellationToken);
        }
    }

    public Task<CacheLookup> LookupAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        var missing = new HashSet<StorePath>();
        var aged = new HashSet<StorePath>();
        var agedBefore = _time.GetUtcNow() - GcLimits.RefreshAfter;
        foreach (var path in paths)
        {
            var narInfo = new FileInfo(NarInfoPath(path));
            if (!narInfo.Exists)
            {
                missing.Add(path);
            }
            else if (narInfo.LastWriteTimeUtc < agedBefore)
            {
                aged.Add(path);
            }
        }

        return Task.FromResult(CacheLookup.Exactly(missing) with { Aged = aged });
    }

    public Task<CacheLookup> RefreshAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) => _refresher.RefreshNarInfosAsync(paths, cancellationToken);

    public Task<bool> RefreshNarAsync(NarInfo narInfo, CancellationToken cancellationToken) => _refresher.RefreshObjectAsync(narInfo.Url, cancellationToken);

    public Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken) => _objects.ReadCacheInfoIdentityAsync(cancellationToken);

    public void Dispose() => _objects.Dispose();

    public Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken) =>
        _policy.RunBodyAsync("writing the NAR of " + info.Path.Name, (progress, ct) => WriteNarAsync(info, source, progress, ct), cancellationToken);

    public Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken) =>
        _policy.RunAsync("writing the narinfo of " + narInfo.StorePath.Name, RequestKind.Single, ct => WriteNarInfoAsync(narInfo, ct), cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken) =>
        _policy.RunAsync("syncing", RequestKind.Single, _sync.SyncAsync, cancellationToken);

    private async Task<NarInfo> WriteNarAsync(PathInfo info, INarSource source, Action progress, CancellationToken cancellationToken)
    {
        string temp = CacheTempFiles.NewPath(Path.Combine(_root, "nar"), info.Path.HashPart);
        try
        {
            await using var file = CacheTempFiles.Create(temp);

            // The compressor hands over large blocks; see PassThroughWriteStream for why they are written synchronously.
            var encoded = await _encoder.EncodeAsync(info, source, new PassThroughWriteStream(file, synchronous: true, progress), cancellationToken);

            // Renamed while still open, so its lock keeps a starting process's sweep away until it has its name.
            // NARs are named after their content: one that is already there is the same bytes.
            File.Move(temp, Path.Combine(_root, encoded.Url), overwrite: true);
            return encoded.ToNarInfo(info);
        }
        catch
        {
            // Only on failure: after the rename there is nothing to delete, and a delete of a missing name
            // still takes the directory's lock that every other upload into it needs.
            File.Delete(temp);
            throw;
        }
    }

    private async Task WriteNarInfoAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        var signed = _signingKey is null ? narInfo : narInfo.SignedWith(_signingKey);
        // The NAR (and the narinfos of the references, published before this call) reach the disk first.
        await _sync.SyncAsync(cancellationToken);
        WriteAtomically(NarInfoPath(narInfo.StorePath), signed.ToString(), cancellationToken);
    }

    private string NarInfoPath(StorePath path) => Path.Combine(_root, path.HashPart + ".narinfo");

    /// <summary>Writes a small file under a temporary name and renames it into place (durable at the next sync).</summary>
    private static void WriteAtomically(string path, string contents, CancellationToken cancellationToken)
    {
        string temp = CacheTempFiles.NewPath(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var file = CacheTempFiles.Create(temp);
            file.Write(System.Text.Encoding.UTF8.GetBytes(contents));
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1500, EventName = "FileCacheTempFilesSwept", Level = LogLevel.Information, Message = "removed {Count} temporary files ({Bytes} bytes) that interrupted uploads left in cache {Cache} ({Directory})")]
        public static partial void TempFilesSwept(ILogger logger, int count, long bytes, string cache, string directory);
    }
}
