using System.Globalization;
using Watcher.Core;
using Watcher.Pipeline;
using Watcher.State;

namespace Watcher.Hosting;

/// <summary>
/// Keeps systemd informed: READY=1 once the watch is up (when systemd's own lifetime is not in charge),
/// STATUS= with the queue depth, and WATCHDOG=1 only while every pipeline stage runs and none is stuck
/// (<see cref="PipelineHealth"/>): systemd then restarts the service, and the journal keeps the work.
/// </summary>
internal sealed partial class SystemdNotifyService(
    SystemdNotify notify,
    PipelineHealth health,
    StateStore state,
    IReadOnlyList<CacheTarget> targets,
    DiscoveryQueue queue,
    IHostApplicationLifetime lifetime,
    TimeProvider timeProvider,
    ILogger<SystemdNotifyService> logger) : BackgroundService
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

        var watchdog = notify.WatchdogInterval;
        var interval = watchdog is { } w && w < StatusInterval ? w : StatusInterval;
        using var timer = new PeriodicTimer(interval, timeProvider);
        string? reported = null;
        do
        {
            var problems = health.Problems();
            string? problem = problems.Count == 0 ? null : string.Join(", ", problems.Select(health.Describe));
            if (problem != reported && problem is not null)
            {
                Log.Unhealthy(logger, problem);
            }

            reported = problem;
            notify.Send(Message(problem, watchdog is not null));
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>STATUS= with the queue, or with what is unhealthy; WATCHDOG=1 only when pinged and healthy.</summary>
    private string Message(string? problem, bool watchdog)
    {
        long pending = targets.Sum(t => state.CountPending(t.Name));
        string status = problem is null
            ? string.Create(CultureInfo.InvariantCulture, $"STATUS=watching; {pending} paths pending, {queue.Count} discoveries queued")
            : string.Create(CultureInfo.InvariantCulture, $"STATUS=unhealthy: {problem}; {pending} paths pending");
        return watchdog && problem is null ? status + "\nWATCHDOG=1" : status;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 532, EventName = "Unhealthy", Level = LogLevel.Error, Message = "the pipeline is unhealthy ({Problem}); the systemd watchdog is no longer fed, so systemd restarts the service (pending work is kept)")]
        public static partial void Unhealthy(ILogger logger, string problem);
    }
}
