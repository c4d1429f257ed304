using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;
using Watcher.Core;

namespace Watcher.Hosting;

/// <summary>
/// Sends sd_notify messages to <c>$NOTIFY_SOCKET</c> (a no-op without one). Microsoft.Extensions.Hosting.Systemd
/// sends READY=1/STOPPING=1 only when the parent process is systemd; WATCHDOG=1, STATUS= and
/// EXTEND_TIMEOUT_USEC are always ours.
/// </summary>
internal sealed class SystemdNotify : IServiceNotify
{
    private readonly Action<string>? _send;

    /// <summary>Notifies the socket in <c>$NOTIFY_SOCKET</c>, with the watchdog systemd asked for in <c>$WATCHDOG_USEC</c>.</summary>
    public SystemdNotify()
    {
        var notifier = new SystemdNotifier();
        _send = notifier.IsEnabled ? state => notifier.Notify(new ServiceState(state)) : null;
        LifetimeIsSystemd = SystemdHelpers.IsSystemdService();
        WatchdogInterval = IntervalFromEnvironment();
    }

    /// <summary>Hands every message to <paramref name="send"/> (tests).</summary>
    public SystemdNotify(Action<string> send, TimeSpan? watchdogInterval)
    {
        _send = send;
        WatchdogInterval = watchdogInterval;
    }

    public bool IsEnabled => _send is not null;

    /// <summary>True when systemd's own lifetime (READY=1, STOPPING=1) is in charge.</summary>
    public bool LifetimeIsSystemd { get; }

    /// <summary>How often to send WATCHDOG=1 (half of <c>WATCHDOG_USEC</c>), or null when systemd asked for no pings.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public void Send(string state) => _send?.Invoke(state);

    private static TimeSpan? IntervalFromEnvironment()
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
