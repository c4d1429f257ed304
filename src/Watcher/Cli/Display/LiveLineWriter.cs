using System.Text;
using Spectre.Console;

namespace Watcher.Cli.Display;

/// <summary>
/// stdout when it is the same terminal as stderr and a live display may run there: whole lines go through the
/// display's console, so they print above the display instead of across it.
/// </summary>
internal sealed class LiveLineWriter(IAnsiConsole console) : TextWriter
{
    private readonly StringBuilder _line = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value == '\n')
            {
                console.Write(new RawLines(_line.ToString()));
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        foreach (char c in value ?? string.Empty)
        {
            Write(c);
        }
    }

    public override void Flush()
    {
        lock (_lock)
        {
            if (_line.Length > 0)
            {
                console.Write(new RawLines(_line.ToString()));
                _line.Clear();
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }
}
