namespace Watcher.Cli.Display;

/// <summary>
/// Logging for the one-shot commands: each message as a person reads it (<see cref="ConsoleOutput.Message"/>), without
/// the category and event id that the daemon's log keeps for searching.
/// </summary>
internal sealed class CliLoggerProvider(ConsoleOutput output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CliLogger(output);

    public void Dispose()
    {
    }
}
