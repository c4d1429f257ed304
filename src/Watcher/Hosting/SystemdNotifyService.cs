using System.Globalization;
using Watcher.Pipeline;
using Watcher.State;

namespace Watcher.Hosting;

/// <summary>
/// Keeps systemd informed: READY=1 once the watch is up (when systemd's own lifetime is not in charge),
/// STATUS= with the queue depth, and WATCHDOG=1 only while every pipeline loop is alive.
/// </summary>
internal sealed class SystemdNotifyService(
    SystemdNotify notify,
    PipelineHealth health,
    StateStore state,
    IReadOnlyList<CacheTarget> targets,
    DiscoveryQueue queue,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider) : BackgroundService
{
    private static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notify.IsEnabled)
        {
            return;
        }

        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        if (!notify.LifetimeIsSystemd)
        {
            notify.Send("READY=1");
        }

        var watchdog = WatchdogInterval();
        var interval = watchdog is { } w && w < StatusInterval ? w : StatusInterval;
        using var timer = new PeriodicTimer(interval, timeProvider);
        do
        {
            long pending = targets.Sum(t => state.CountPending(t.Name));
            string status = string.Create(CultureInfo.InvariantCulture, $"STATUS=watching; {pending} paths pending, {queue.Count} discoveries queued");
            notify.Send(watchdog is not null && health.AllAlive ? status + "\nWATCHDOG=1" : status);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Half of <c>WATCHDOG_USEC</c> when systemd asked this process for pings.</summary>
    private static TimeSpan? WatchdogInterval()
    {
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!long.TryParse(usec, CultureInfo.InvariantCulture, out long microseconds) || microseconds <= 0
            || (pid is not null && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(microseconds / 2.0);
    }
}
