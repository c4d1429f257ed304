namespace Watcher.Cli.Display;

/// <summary>A logger of <see cref="CliLoggerProvider"/>: the message, then the exception if one was logged with it.</summary>
internal sealed class CliLogger(ConsoleOutput output) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string message = formatter(state, exception);
        output.Message(logLevel, exception is null ? message : message + "\n" + exception);
    }
}
