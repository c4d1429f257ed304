using System.Collections.Concurrent;
using Watcher.Nix;
using Watcher.Upload;

namespace Watcher.Tests.Upload;

/// <summary>An in-memory cache that records what was uploaded and published, in order.</summary>
internal sealed class FakeCache : IBinaryCache
{
    private int _inFlight;

    public string Name => "fake";

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

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        InitializeCalls++;
        if (FailInitialize is not null)
        {
            return Task.FromException(FailInitialize);
        }

        Initialized = true;
        return Task.CompletedTask;
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
        return Task.FromResult(new CacheLookup(missing, unknown, unknown.Count > 0 ? "lookup timed out" : null));
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
            await Task.Delay(5, cancellationToken);
            if (UploadGate is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
            }

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
