using System.Collections.Concurrent;
using Watcher.Caches;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Tests.Caches;

/// <summary>An in-memory cache that records what was uploaded and published, in order.</summary>
internal sealed class FakeCache : IBinaryCache
{
    private int _inFlight;

    public string Name { get; init; } = "fake";

    public bool PublishesOnUpload { get; init; }

    public IReadOnlyCollection<string> UpstreamKeyNames { get; init; } = [];

    public HashSet<StorePath> Present { get; } = [];

    public HashSet<StorePath> FailNar { get; } = [];

    /// <summary>Paths whose lookup fails: <see cref="LookupAsync"/> reports them unknown.</summary>
    public HashSet<StorePath> Unknown { get; } = [];

    /// <summary>When set, <see cref="LookupAsync"/> throws it (the cache cannot be asked at all).</summary>
    public Exception? FailLookup { get; set; }

    /// <summary>Every lookup's paths, in order: one question per push is what the pipeline promises.</summary>
    public ConcurrentQueue<IReadOnlyCollection<StorePath>> Lookups { get; } = new();

    /// <summary>When set, every upload waits for it (a hanging server), honouring cancellation.</summary>
    public Task? UploadGate { get; set; }

    /// <summary>When set, the exception an upload of the path throws instead of "server said no".</summary>
    public Func<StorePath, Exception>? NarFailure { get; set; }

    public ConcurrentQueue<StorePath> Published { get; } = new();

    public ConcurrentDictionary<StorePath, byte> Uploaded { get; } = new();

    public int MaxInFlight { get; private set; }

    public bool Initialized { get; private set; }

    /// <summary>When set, <see cref="InitializeAsync"/> throws it (an unreachable or misconfigured cache).</summary>
    public Exception? FailInitialize { get; set; }

    public int InitializeCalls { get; private set; }

    /// <summary>When set and it returns an exception for a path info, the upload throws it.</summary>
    public Func<PathInfo, Exception?>? Reject { get; set; }

    /// <summary>When set, <see cref="FlushAsync"/> throws it (the disk could not be synced).</summary>
    public Exception? FailFlush { get; init; }

    /// <summary>How many paths had been published at each flush.</summary>
    public ConcurrentQueue<int> Flushes { get; } = new();

    /// <summary>Present paths whose narinfo is older than a day: lookups report them aged.</summary>
    public HashSet<StorePath> Aged { get; } = [];

    /// <summary>Aged paths a refresh finds gone (a gc deleted them): <see cref="RefreshAsync"/> reports them missing.</summary>
    public HashSet<StorePath> GoneOnRefresh { get; } = [];

    /// <summary>Every path whose narinfo was refreshed, in order.</summary>
    public ConcurrentQueue<StorePath> Refreshed { get; } = new();

    /// <summary>Every NAR refreshed before its narinfo, by path; <see cref="NarGone"/> decides whether it was still there.</summary>
    public ConcurrentQueue<StorePath> NarRefreshed { get; } = new();

    /// <summary>Paths whose NAR a refresh finds gone.</summary>
    public HashSet<StorePath> NarGone { get; } = [];

    /// <summary>Runs inside each upload (before it completes), e.g. to move a fake clock.</summary>
    public Action<PathInfo>? OnUpload { get; set; }

    public bool HasCacheInfo { get; init; }

    public ICacheObjects? Objects { get; init; }

    /// <summary>The identity of nix-cache-info; null when it does not exist. <see cref="InitializeAsync"/> creates one.</summary>
    public CacheInfoIdentity? CacheInfo { get; set; }

    /// <summary>When set, reading the identity throws it.</summary>
    public Exception? FailCacheInfo { get; set; }

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        InitializeCalls++;
        if (FailInitialize is not null)
        {
            return Task.FromException(FailInitialize);
        }

        Initialized = true;
        if (HasCacheInfo && CacheInfo is null)
        {
            CacheInfo = new CacheInfoIdentity(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(InitializeCalls), "etag-" + InitializeCalls);
        }

        return Task.CompletedTask;
    }

    public Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken) =>
        FailCacheInfo is null ? Task.FromResult(CacheInfo) : Task.FromException<CacheInfoIdentity?>(FailCacheInfo);

    public Task<CacheLookup> RefreshAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        foreach (var path in paths)
        {
            Refreshed.Enqueue(path);
        }

        var gone = paths.Where(GoneOnRefresh.Contains).ToHashSet();
        Present.ExceptWith(gone);
        Aged.ExceptWith(paths);
        return Task.FromResult(CacheLookup.Exactly(gone));
    }

    public Task<bool> RefreshNarAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        NarRefreshed.Enqueue(narInfo.StorePath);
        return Task.FromResult(!NarGone.Contains(narInfo.StorePath));
    }

    public Task<CacheLookup> LookupAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        Lookups.Enqueue([.. paths]);
        if (FailLookup is not null)
        {
            return Task.FromException<CacheLookup>(FailLookup);
        }

        var unknown = paths.Where(Unknown.Contains).ToHashSet();
        var missing = paths.Where(p => !Present.Contains(p) && !Published.Contains(p) && !unknown.Contains(p)).ToHashSet();
        var aged = paths.Where(p => Aged.Contains(p) && !missing.Contains(p) && !unknown.Contains(p)).ToHashSet();
        return Task.FromResult(new CacheLookup(missing, unknown, unknown.Count > 0 ? "lookup timed out" : null) { Aged = aged });
    }

    public async Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken)
    {
        int now = Interlocked.Increment(ref _inFlight);
        lock (this)
        {
            MaxInFlight = Math.Max(MaxInFlight, now);
        }

        try
        {
            // A few real milliseconds of "upload", so that concurrent uploads overlap (MaxInFlight); nothing waits on it.
            await Task.Delay(5, cancellationToken);
            if (UploadGate is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
            }

            OnUpload?.Invoke(info);
            if (Reject?.Invoke(info) is { } rejected)
            {
                throw rejected;
            }

            if (FailNar.Contains(info.Path))
            {
                throw NarFailure?.Invoke(info.Path) ?? new CacheUploadException("server said no");
            }

            Uploaded[info.Path] = 0;
            if (PublishesOnUpload)
            {
                Published.Enqueue(info.Path);
            }

            return new NarInfo { StorePath = info.Path, Url = "nar/x.nar", Compression = "none", NarHash = info.NarHash, NarSize = info.NarSize, References = info.References };
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        Assert.True(Uploaded.ContainsKey(narInfo.StorePath), "narinfo published before its NAR");
        if (!PublishesOnUpload)
        {
            Published.Enqueue(narInfo.StorePath);
        }

        return Task.CompletedTask;
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        Flushes.Enqueue(Published.Count);
        return FailFlush is null ? Task.CompletedTask : Task.FromException(FailFlush);
    }
}
