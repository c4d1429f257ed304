namespace Watcher.Core;

/// <summary>
/// The nix-daemon reported an error (<c>STDERR_ERROR</c>) or could not be reached. The message is the
/// daemon's, with ANSI colour codes removed. The connection it came from is discarded.
/// </summary>
internal sealed class NixDaemonException : WatcherException
{
    public NixDaemonException(string message)
        : base(message)
    {
    }

    public NixDaemonException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The exit status the daemon attached to the error (protocol &lt; 1.26 only); otherwise null.</summary>
    public ulong? ExitStatus { get; init; }
}
