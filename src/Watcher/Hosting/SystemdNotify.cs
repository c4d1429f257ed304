using Microsoft.Extensions.Hosting.Systemd;

namespace Watcher.Hosting;

/// <summary>
/// Sends sd_notify messages to <c>$NOTIFY_SOCKET</c> (a no-op without one). Microsoft.Extensions.Hosting.Systemd
/// sends READY=1/STOPPING=1 only when the parent process is systemd; WATCHDOG=1, STATUS= and
/// EXTEND_TIMEOUT_USEC are always ours.
/// </summary>
internal sealed class SystemdNotify
{
    private readonly SystemdNotifier _notifier = new();

    public bool IsEnabled => _notifier.IsEnabled;

    /// <summary>True when systemd's own lifetime (READY=1, STOPPING=1) is in charge.</summary>
    public bool LifetimeIsSystemd { get; } = SystemdHelpers.IsSystemdService();

    public void Send(string state)
    {
        if (_notifier.IsEnabled)
        {
            _notifier.Notify(new ServiceState(state));
        }
    }
}
