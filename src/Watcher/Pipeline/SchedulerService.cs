using System.Globalization;
using Watcher.Caches;
using Watcher.Core;
using Watcher.Metrics;
using Watcher.State;
using Watcher.Store;

namespace Watcher.Pipeline;

/// <summary>
/// Runs one <see cref="CacheScheduler"/> per cache, independently (a slow cache never holds back another).
/// On stop: no new uploads start, and uploads in progress go on while they move; once none has moved for
/// <see cref="DrainBudget"/>, they are aborted. Whatever is left stays pending in the state.
/// </summary>
internal sealed partial class SchedulerService(
    IReadOnlyList<CacheTarget> targets,
    IStoreQueries store,
    StateStore state,
    INarSource source,
    PipelineHealth health,
    IServiceNotify notify,
    WatcherMetrics metrics,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory,
    DiscoveryQueue queue) : BackgroundService
{
    /// <summary>
    /// The one number of the drain: how long uploads in progress may go without moving a byte (or ending an attempt)
    /// after a stop request before they are aborted. systemd's stop timeout is extended by this much (plus
    /// <see cref="NotifyMargin"/>) each time they move.
    /// </summary>
    public static readonly TimeSpan DrainBudget = TimeSpan.FromSeconds(45);

    /// <summary>Room for the abort itself after the budget, in what systemd is told.</summary>
    public static readonly TimeSpan NotifyMargin = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan DrainTick = TimeSpan.FromSeconds(5);

    /// <summary>How long schedulers get to end on their own at a stop before their work counts as a drain.</summary>
    private static readonly TimeSpan QuietStop = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = loggerFactory.CreateLogger<SchedulerService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var abort = new CancellationTokenSource();
        var all = Task.WhenAll(targets.Select(target => RunOneAsync(target, stoppingToken, abort.Token)));
        await all.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (stoppingToken.IsCancellationRequested)
        {
            notify.Send("STOPPING=1");
        }

        if (!all.IsCompleted)
        {
            // Schedulers with nothing in progress end within moments of the stop: only work still going after
            // QuietStop is drained, and only then is systemd asked for more time.
            using var quiet = new CancellationTokenSource();
            await Task.WhenAny(all, Task.Delay(QuietStop, timeProvider, quiet.Token));
            await quiet.CancelAsync();
        }

        if (!all.IsCompleted)
        {
            await DrainAsync(all, abort);
        }

        await all;
    }

    private async Task RunOneAsync(CacheTarget target, CancellationToken stopStarting, CancellationToken abort)
    {
        await Task.Yield();
        var monitor = health.Register(PipelineHealth.CacheStage(target.Name), progressElsewhere: () => target.Activity.LastProgress);
        var logger = loggerFactory.CreateLogger("Watcher.Pipeline.CacheScheduler." + target.Name);
        var cacheInfo = new CacheInfoWatch(target, state, store, queue, timeProvider, logger);
        var scheduler = new CacheScheduler(target, store, state, source, monitor, metrics, timeProvider, logger, cacheInfo);
        await scheduler.RunAsync(stopStarting, abort);
    }

    /// <summary>Lets uploads in progress finish while they move; aborts them once none moved for <see cref="DrainBudget"/>.</summary>
    private async Task DrainAsync(Task schedulers, CancellationTokenSource abort)
    {
        var lastMoved = timeProvider.GetUtcNow();
        var lastSeen = LatestProgress();
        int inFlight = targets.Sum(t => t.Activity.InFlight);
        Log.Draining(_logger, inFlight, DrainBudget.TotalSeconds);
        notify.Send($"STATUS=finishing uploads in progress\n{ExtendTimeout(DrainBudget)}");
        while (!schedulers.IsCompleted)
        {
            await Task.WhenAny(schedulers, Task.Delay(DrainTick, timeProvider));
            var now = timeProvider.GetUtcNow();
            if (LatestProgress() is { } moved && moved > (lastSeen ?? DateTimeOffset.MinValue))
            {
                lastSeen = moved;
                lastMoved = now;
            }

            var left = DrainBudget - (now - lastMoved);
            if (left <= TimeSpan.Zero)
            {
                Log.DrainAborted(_logger, DrainBudget.TotalSeconds);
                await abort.CancelAsync();
                return;
            }

            notify.Send(ExtendTimeout(left));
        }
    }

    private DateTimeOffset? LatestProgress() => targets.Max(t => t.Activity.LastProgress);

    private static string ExtendTimeout(TimeSpan left) =>
        string.Create(CultureInfo.InvariantCulture, $"EXTEND_TIMEOUT_USEC={(long)(left + NotifyMargin).TotalMicroseconds}");

    private static partial class Log
    {
        [LoggerMessage(EventId = 330, EventName = "Draining", Level = LogLevel.Information, Message = "stopping: finishing {InFlight} uploads in progress while they move (abort after {BudgetSeconds:0} s without progress)")]
        public static partial void Draining(ILogger logger, int inFlight, double budgetSeconds);

        [LoggerMessage(EventId = 331, EventName = "DrainAborted", Level = LogLevel.Warning, Message = "stopping: uploads made no progress for {BudgetSeconds:0} s; aborting them (their paths stay pending)")]
        public static partial void DrainAborted(ILogger logger, double budgetSeconds);
    }
}
