using System.Text.RegularExpressions;
using Spectre.Console;

namespace Watcher.Tests.Cli.Display;

/// <summary>A Spectre console that writes into a string as a terminal would get it: ANSI on, interactive, no colours.</summary>
internal sealed partial class TestTerminal : IDisposable
{
    private readonly StringWriter _writer = new();

    public TestTerminal()
    {
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(_writer),
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
        });

        // A fixed size: otherwise Spectre asks the test process's own console, which differs from runner to runner.
        Console.Profile.Width = Width;
        Console.Profile.Height = 40;
    }

    /// <summary>The terminal's width in columns.</summary>
    public const int Width = 120;

    public IAnsiConsole Console { get; }

    public string Output => _writer.ToString();

    /// <summary>The output without its styles (bold, colours), cursor movements kept.</summary>
    public string Text => Style().Replace(Output, string.Empty);

    public void Dispose() => _writer.Dispose();

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex Style();
}
