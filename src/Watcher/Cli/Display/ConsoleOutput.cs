using Spectre.Console;

namespace Watcher.Cli.Display;

/// <summary>
/// Where a one-shot command's output goes. Results (summaries, reports, JSON) go to stdout, progress and messages to
/// stderr. When stderr is a terminal, a live display may own it (<see cref="Live"/>): messages, and stdout lines when
/// stdout is the same terminal, then go through the display so they print above it instead of across it. Anywhere
/// else (a pipe, a file, CI) messages are plain lines; in the systemd journal they carry their priority.
/// </summary>
internal sealed class ConsoleOutput
{
    private static readonly Style WarningStyle = new(Color.Yellow);
    private static readonly Style ErrorStyle = new(Color.Red);

    private readonly TextWriter _error;
    private readonly bool _journal;

    public ConsoleOutput(TextWriter output, TextWriter error, IAnsiConsole? live = null, IAnsiConsole? tables = null, bool journal = false, bool quiet = false)
    {
        Out = output;
        _error = error;
        Live = live;
        Tables = tables;
        _journal = journal;
        Quiet = quiet;
    }

    /// <summary>stdout; through <see cref="Live"/> when that owns the same terminal.</summary>
    public TextWriter Out { get; }

    /// <summary>stderr as a terminal that can show a live display; null when it is not one, or with <see cref="Quiet"/>.</summary>
    public IAnsiConsole? Live { get; }

    /// <summary>stdout as a terminal, for tables; null when stdout goes elsewhere.</summary>
    public IAnsiConsole? Tables { get; }

    /// <summary>Nothing but warnings, errors and what was asked for on stdout.</summary>
    public bool Quiet { get; }

    /// <summary>The streams of this process, looked at to decide all of the above.</summary>
    public static ConsoleOutput ForProcess(bool quiet = false)
    {
        var live = !quiet && IsTerminal(Console.IsErrorRedirected) ? Terminal(Console.Error) : null;
        var tables = IsTerminal(Console.IsOutputRedirected) ? Terminal(Console.Out) : null;
        TextWriter output = live is not null && tables is not null ? new LiveLineWriter(live) : Console.Out;
        return new ConsoleOutput(output, Console.Error, live, tables, JournalStream.IsStandardError(), quiet);
    }

    /// <summary>Writes a message for a person: a plain line, "warning: …" or "error: …".</summary>
    public void Message(LogLevel level, string text)
    {
        string prefix = level switch
        {
            LogLevel.Warning => "warning: ",
            >= LogLevel.Error => "error: ",
            _ => string.Empty,
        };
        if (Live is { } live)
        {
            live.Write(new RawLines(text, level >= LogLevel.Error ? ErrorStyle : WarningStyle, prefix));
            return;
        }

        // journald reads a "<N>" syslog priority at the start of each line (sd-daemon(3)).
        string priority = _journal ? $"<{Priority(level)}>" : string.Empty;
        _error.WriteLine(priority + prefix + (_journal ? text.Replace("\n", "\n" + priority, StringComparison.Ordinal) : text));
    }

    /// <summary>The syslog priority of a log level: error 3, warning 4, information 6, debug 7.</summary>
    internal static int Priority(LogLevel level) => level switch
    {
        LogLevel.Critical => 2,
        LogLevel.Error => 3,
        LogLevel.Warning => 4,
        LogLevel.Information => 6,
        _ => 7,
    };

    /// <summary>A terminal that can take cursor movement: not redirected, and <c>$TERM</c> names one that is not "dumb".</summary>
    private static bool IsTerminal(bool redirected) =>
        !redirected && Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } term && term != "dumb";

    private static IAnsiConsole Terminal(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = AnsiSupport.Yes,
        Interactive = InteractionSupport.Yes,
        ColorSystem = ColorSystemSupport.Detect,
    });
}
