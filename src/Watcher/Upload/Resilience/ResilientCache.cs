using Polly.CircuitBreaker;
using Watcher.Metrics;
using Watcher.Nix;

namespace Watcher.Upload.Resilience;

/// <summary>
/// Wraps a cache so every call goes through its <see cref="CachePolicy"/>, and records what happened:
/// upload sizes and durations, failures by reason, and the cache's <see cref="CacheActivity"/>.
/// </summary>
internal sealed class ResilientCache(IBinaryCache inner, CachePolicy policy, ResilienceOptions options, CacheActivity activity, WatcherMetrics metrics, TimeProvider time) : IBinaryCache
{
    public string Name => inner.Name;

    public bool PublishesOnUpload => inner.PublishesOnUpload;

    public IReadOnlyCollection<string> UpstreamKeyNames => inner.UpstreamKeyNames;

    public IBinaryCache Inner => inner;

    public CacheActivity Activity => activity;

    /// <summary>Wraps <paramref name="inner"/> in a policy of its own.</summary>
    public static ResilientCache Create(IBinaryCache inner, ResilienceOptions options, WatcherMetrics metrics, TimeProvider time, ILogger logger)
    {
        var activity = new CacheActivity();
        var policy = new CachePolicy(inner.Name, options, activity, metrics, time, logger);
        return new ResilientCache(inner, policy, options, activity, metrics, time);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) =>
        RunAsync("setting up", options.RequestTimeout, async ct =>
        {
            await inner.InitializeAsync(ct);
            return true;
        }, cancellationToken);

    public Task<IReadOnlySet<StorePath>> FindMissingAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) =>
        RunAsync("looking up paths", options.LookupTimeout(paths.Count), ct => inner.FindMissingAsync(paths, ct), cancellationToken);

    /// <summary>One attempt, no retries: for the planner's best-effort dedupe, which must not wait for a cache that is down.</summary>
    public Task<IReadOnlySet<StorePath>> FindMissingOnceAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) =>
        RunAsync("looking up paths", options.LookupTimeout(paths.Count), ct => inner.FindMissingAsync(paths, ct), cancellationToken, once: true);

    public async Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        activity.UploadStarted();
        metrics.UploadStarted(Name);
        try
        {
            var narInfo = await RunAsync("uploading " + info.Path.Name, options.UploadTimeout(info.NarSize), ct => inner.UploadNarAsync(info, source, ct), cancellationToken);
            metrics.Uploaded(Name, info.NarSize, narInfo.FileSize ?? info.NarSize, time.GetElapsedTime(started));
            if (PublishesOnUpload)
            {
                activity.Succeeded(time.GetUtcNow());
            }

            return narInfo;
        }
        finally
        {
            activity.UploadEnded();
            metrics.UploadEnded(Name);
        }
    }

    public async Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        await RunAsync("publishing " + narInfo.StorePath.Name, options.RequestTimeout, async ct =>
        {
            await inner.PublishAsync(narInfo, ct);
            return true;
        }, cancellationToken);
        activity.Succeeded(time.GetUtcNow());
    }

    public Task FlushAsync(CancellationToken cancellationToken) =>
        RunAsync("syncing", options.RequestTimeout, async ct =>
        {
            await inner.FlushAsync(ct);
            return true;
        }, cancellationToken);

    private async Task<T> RunAsync<T>(string operation, TimeSpan attemptTimeout, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, bool once = false)
    {
        try
        {
            return await policy.ExecuteAsync(operation, attemptTimeout, action, cancellationToken, once);
        }
        catch (BrokenCircuitException ex)
        {
            string until = ex.RetryAfter is { } retryAfter ? $"for another {Math.Ceiling(retryAfter.TotalSeconds)} s" : "for now";
            string message = $"cache '{Name}' is paused {until} after repeated failures" + (activity.LastError is { } last ? $" (last error: {last.Message})" : string.Empty);
            throw new CacheUploadException(message, CacheFailureKind.Unavailable, retryAfter: ex.RetryAfter, innerException: ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            metrics.Failed(Name, FailureReasons.Of(ex));
            activity.Failed(ex.Message, time.GetUtcNow());
            throw;
        }
    }
}
