using Watcher.Core;
using Watcher.Metrics;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>
/// Wraps a cache to record what happened: upload sizes and durations, failures by reason, and the cache's
/// <see cref="CacheActivity"/> (uploads in flight, last success and error, NAR bytes moving). Retries are not
/// its business: the cache sends every request through its <see cref="IRequestPolicy"/>.
/// </summary>
internal sealed class MeteredCache(IBinaryCache inner, CacheActivity activity, WatcherMetrics metrics, TimeProvider time) : IBinaryCache
{
    public string Name => inner.Name;

    public bool PublishesOnUpload => inner.PublishesOnUpload;

    public IReadOnlyCollection<string> UpstreamKeyNames => inner.UpstreamKeyNames;

    public IBinaryCache Inner => inner;

    public CacheActivity Activity => activity;

    public Task InitializeAsync(CancellationToken cancellationToken) => RecordAsync(async () =>
    {
        await inner.InitializeAsync(cancellationToken);
        return true;
    }, cancellationToken);

    public async Task<CacheLookup> LookupAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        var lookup = await RecordAsync(() => inner.LookupAsync(paths, cancellationToken), cancellationToken);
        if (lookup.Error is { } error)
        {
            activity.Failed(error, time.GetUtcNow());
        }

        return lookup;
    }

    public async Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        var upload = activity.UploadStarted(info);
        metrics.UploadStarted(Name);
        try
        {
            var narInfo = await RecordAsync(() => inner.UploadNarAsync(info, new ProgressNarSource(source, activity, upload, time), cancellationToken), cancellationToken);
            metrics.Uploaded(Name, info.NarSize, narInfo.FileSize ?? info.NarSize, time.GetElapsedTime(started));
            if (PublishesOnUpload)
            {
                activity.Succeeded(time.GetUtcNow());
            }

            return narInfo;
        }
        finally
        {
            activity.UploadEnded(upload);
            metrics.UploadEnded(Name);
        }
    }

    public async Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        await RecordAsync(async () =>
        {
            await inner.PublishAsync(narInfo, cancellationToken);
            return true;
        }, cancellationToken);
        activity.Succeeded(time.GetUtcNow());
    }

    public async Task<bool> TryPublishAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        bool published = await RecordAsync(() => inner.TryPublishAsync(narInfo, cancellationToken), cancellationToken);
        activity.Succeeded(time.GetUtcNow());
        return published;
    }

    public bool HasCacheInfo => inner.HasCacheInfo;

    public ICacheObjects? Objects => inner.Objects;

    public Task<CacheLookup> RefreshAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) =>
        RecordAsync(() => inner.RefreshAsync(paths, cancellationToken), cancellationToken);

    public Task<bool> RefreshNarAsync(NarInfo narInfo, CancellationToken cancellationToken) =>
        RecordAsync(() => inner.RefreshNarAsync(narInfo, cancellationToken), cancellationToken);

    public Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken) =>
        RecordAsync(() => inner.ReadCacheInfoIdentityAsync(cancellationToken), cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken) => RecordAsync(async () =>
    {
        await inner.FlushAsync(cancellationToken);
        return true;
    }, cancellationToken);

    private async Task<T> RecordAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = Failures.Classify(ex);
            metrics.Failed(Name, reason);
            if (reason != FailureReason.Paused)
            {
                // A pause is not news: the error that caused it stays the last one.
                activity.Failed(ex.Message, time.GetUtcNow());
            }

            throw;
        }
    }
}
