using Watcher.Core;

namespace Watcher.Cli;

/// <summary>
/// A command cannot start its work (a path that is not in the store, an unknown cache name): the message, for stderr
/// (and for stdout as JSON under <c>--json</c>), and the exit code.
/// </summary>
internal sealed class CommandFailedException : WatcherException
{
    public CommandFailedException(string message, int exitCode)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CommandFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.Failures;
    }

    public int ExitCode { get; }
}
