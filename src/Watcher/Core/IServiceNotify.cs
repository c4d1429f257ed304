namespace Watcher.Core;

/// <summary>Tells the service manager about the service's state (systemd's <c>sd_notify</c> lines); does nothing outside one.</summary>
internal interface IServiceNotify
{
    /// <summary>Sends one or more <c>KEY=value</c> lines.</summary>
    void Send(string state);
}
