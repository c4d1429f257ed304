using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Watcher.Cli;

/// <summary>
/// The command line's log format: one line per entry, <c>info: Category[EventId] message</c>, as the console logger's
/// simple formatter writes it with <c>SingleLine</c>, without colours.
/// </summary>
/// <remarks>
/// The simple formatter is internal to Microsoft.Extensions.Logging.Console and reachable only through its
/// dependency-injection setup, which in the native build resolves its generic services by reflection: about a fifth of
/// the CPU of a one-path push (docs/performance.md). <see cref="WatcherCli.CreateLoggerFactory"/> builds the console
/// provider directly with this formatter instead.
/// </remarks>
internal sealed class CliLogFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "nix-watcher-line";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string? message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(LevelName(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write("] ");
        WriteOneLine(textWriter, message);
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(' ');
            WriteOneLine(textWriter, exception.ToString());
        }

        textWriter.Write('\n');
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => level.ToString(),
    };

    private static void WriteOneLine(TextWriter writer, string? text)
    {
        if (text is null)
        {
            return;
        }

        writer.Write(text.Contains('\n', StringComparison.Ordinal) ? text.ReplaceLineEndings(" ") : text);
    }
}
