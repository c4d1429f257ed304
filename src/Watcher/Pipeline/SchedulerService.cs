using Watcher.Hosting;
using Watcher.Metrics;
using Watcher.State;
using Watcher.Store;
using Watcher.Upload;

namespace Watcher.Pipeline;

/// <summary>
/// Runs one <see cref="CacheScheduler"/> per cache, independently (a slow cache never holds back
/// another). On stop: no new uploads start, uploads in progress get <see cref="DrainBudget"/> to
/// finish, and whatever is left stays pending in the state.
/// </summary>
internal sealed class SchedulerService(
    IReadOnlyList<CacheTarget> targets,
    NixDaemonClient daemon,
    StateStore state,
    INarSource source,
    PipelineHealth health,
    SystemdNotify notify,
    WatcherMetrics metrics,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : BackgroundService
{
    /// <summary>How long in-flight uploads may take after a stop request; below the host's 60 s shutdown timeout.</summary>
    public static readonly TimeSpan DrainBudget = TimeSpan.FromSeconds(45);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var abort = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        await using var onStop = stoppingToken.Register(() =>
        {
            notify.Send($"STOPPING=1\nEXTEND_TIMEOUT_USEC={(long)DrainBudget.TotalMicroseconds + 10_000_000}\nSTATUS=finishing uploads in progress");
            abort.CancelAfter(DrainBudget);
        });
        var loops = targets.Select(target => RunOneAsync(target, stoppingToken, abort.Token)).ToList();
        await Task.WhenAll(loops);
    }

    private async Task RunOneAsync(CacheTarget target, CancellationToken stopStarting, CancellationToken abort)
    {
        await Task.Yield();
        health.Expect(target.Name);
        try
        {
            await target.Cache.InitializeAsync(stopStarting).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var scheduler = new CacheScheduler(target, daemon, state, source, health, metrics, timeProvider, loggerFactory.CreateLogger("Watcher.Pipeline.CacheScheduler." + target.Name));
            await scheduler.RunAsync(stopStarting, abort);
        }
        finally
        {
            health.Ended(target.Name);
        }
    }
}
