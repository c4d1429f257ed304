using Watcher.Caches;
using Watcher.Config;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.State;

namespace Watcher.Maintenance;

/// <summary>
/// The daemon's scheduled <c>gc</c>: every <c>file</c> or <c>s3</c> cache with a <c>[caches.NAME.retention]</c> table is
/// collected every <see cref="RetentionOptions.Interval"/>, closure-safely as <c>nix-watcher gc</c> does it, while the
/// daemon keeps pushing to it. The closures of the configured roots (<c>watch.roots</c>) are kept, as
/// <c>gc --keep-roots</c> keeps them: with <c>scan = "roots"</c> the daemon would push them again at its next start.
/// Each listing is also checked with <c>verify</c>'s checks (the <c>nix_watcher_cache_problems</c> gauge), and the
/// journal forgets what the cache does not have whole.
/// </summary>
/// <remarks>
/// When a cache was last collected is kept in the state, so a daemon that restarts often still collects once per
/// interval; a cache never collected (or overdue) is collected at start. A run that fails is tried again after
/// <see cref="RetryAfterFailure"/> (or the interval, if shorter).
/// </remarks>
internal sealed partial class RetentionService(
    WatcherOptions options,
    StateStore state,
    WatcherMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    IReadOnlyList<IBinaryCache>? caches = null) : BackgroundService
{
    /// <summary>How long after a failed run the next one starts.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromHours(1);

    /// <summary>The longest single timer: <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> refuses ~50 days.</summary>
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    private readonly ILogger _logger = loggerFactory.CreateLogger<RetentionService>();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Caches.OfType<SignedCacheOptions>().Where(c => c.Retention is not null).Select(c => RunAsync(c, c.Retention!, stoppingToken)));

    private async Task RunAsync(SignedCacheOptions cache, RetentionOptions retention, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var next = state.GetLastCollection(cache.Name) is { } last ? last.At + retention.Interval : time.GetUtcNow();
        while (await WaitUntilAsync(next, stoppingToken))
        {
            bool collected = await CollectAsync(cache, retention, stoppingToken);
            next = time.GetUtcNow() + (collected || retention.Interval < RetryAfterFailure ? retention.Interval : RetryAfterFailure);
        }
    }

    /// <summary>Waits until <paramref name="due"/>; false when stopping first.</summary>
    private async Task<bool> WaitUntilAsync(DateTimeOffset due, CancellationToken stoppingToken)
    {
        for (var left = due - time.GetUtcNow(); left > TimeSpan.Zero && !stoppingToken.IsCancellationRequested; left = due - time.GetUtcNow())
        {
            await Task.Delay(left < MaxDelay ? left : MaxDelay, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return !stoppingToken.IsCancellationRequested;
    }

    /// <summary>One collection; false when it failed (what it deleted before is journaled and counted).</summary>
    private async Task<bool> CollectAsync(SignedCacheOptions cache, RetentionOptions retention, CancellationToken stoppingToken)
    {
        var started = time.GetUtcNow();
        try
        {
            // The running cache's own objects where it has them: one client, one policy and the upload limits for pushing
            // and collecting alike; otherwise (a cache this daemon does not push to, tests) objects of its own.
            var shared = caches?.FirstOrDefault(c => c.Name == cache.Name)?.Objects;
            using var owned = shared is null ? MaintenanceTargets.Open(cache, metrics, _logger, time) : null;
            var objects = shared ?? owned!;
            var collection = new CacheCollection(cache, options.Watch.StoreDir, new MaintenanceJournal(state), progress: null, time)
            {
                Metrics = metrics,
                CheckWith = MaintenanceTargets.LoadPublicKey(cache),
            };
            var report = await collection.RunAsync(objects, retention.KeepDays, retention.Grace, RootHashes(), dryRun: false, stoppingToken);
            state.SetLastCollection(cache.Name, started, report.Problems);
            Log.Collected(
                _logger,
                cache.Name,
                report.DeletedNarinfos!.Count,
                report.DeletedNars!.Count,
                report.DeletedNarinfos.Bytes + report.DeletedNars.Bytes,
                report.Live,
                report.Problems is { } problems ? problems.ToString(System.Globalization.CultureInfo.InvariantCulture) : "not checked (no signing key yet)");
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Log.Failed(_logger, cache.Name, ex.Message, Failures.StackTraceFor(ex));
            return false;
        }
    }

    /// <summary>The hash parts of the roots that lead into the store now (a profile link moves with each switch).</summary>
    private HashSet<string> RootHashes()
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (string root in options.Watch.Roots)
        {
            if (StorePaths.TryResolve(root, options.Watch.StoreDir, out var path, out _))
            {
                keep.Add(path.HashPart);
            }
        }

        return keep;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1700, EventName = "CacheCollected", Level = LogLevel.Information, Message = "collected {Cache}: deleted {Narinfos} narinfos and {Nars} NARs ({Bytes} bytes), {Live} narinfos live; problems found: {Problems}")]
        public static partial void Collected(ILogger logger, string cache, long narinfos, long nars, long bytes, int live, string problems);

        [LoggerMessage(EventId = 1701, EventName = "CollectionFailed", Level = LogLevel.Error, Message = "could not collect {Cache} on its retention schedule (trying again later): {Reason}")]
        public static partial void Failed(ILogger logger, string cache, string reason, Exception? exception);
    }
}
