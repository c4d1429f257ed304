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

    public ConcurrentQueue<StorePath> Published { get; } = new();

    public ConcurrentDictionary<StorePath, byte> Uploaded { get; } = new();

    public int MaxInFlight { get; private set; }

    public bool Initialized { get; private set; }

    /// <summary>When set, <see cref="InitializeAsync"/> throws it (an unreachable or misconfigured cache).</summary>
    public Exception? FailInitialize { get; init; }

    /// <summary>When set, <see cref="FlushAsync"/> throws it (the disk could not be synced).</summary>
    public Exception? FailFlush { get; init; }

    /// <summary>How many paths had been published at each flush.</summary>
    public ConcurrentQueue<int> Flushes { get; } = new();

    public Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (FailInitialize is not null)
        {
            return Task.FromException(FailInitialize);
        }

        Initialized = true;
        return Task.CompletedTask;
    }

    public Task<IReadOnlySet<StorePath>> FindMissingAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlySet<StorePath>>(paths.Where(p => !Present.Contains(p)).ToHashSet());

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
            if (FailNar.Contains(info.Path))
            {
                throw new CacheUploadException("server said no");
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
