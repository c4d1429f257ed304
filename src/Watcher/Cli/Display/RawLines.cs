using Spectre.Console;
using Spectre.Console.Rendering;

namespace Watcher.Cli.Display;

/// <summary>
/// Text for a terminal that a live display owns, written as it is: not wrapped by Spectre (the terminal wraps long
/// store paths, so they copy whole), each line ending with "erase to the end of the line" so that nothing of the
/// display it replaces stays beside it.
/// </summary>
internal sealed class RawLines(string text, Style? prefixStyle = null, string prefix = "") : IRenderable
{
    private const string EraseToEndOfLine = "\u001b[K";

    public Measurement Measure(RenderOptions options, int maxWidth) => new(1, maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        bool first = true;
        foreach (string line in text.Split('\n'))
        {
            if (first && prefix.Length > 0)
            {
                yield return new Segment(prefix, prefixStyle ?? Style.Plain);
            }

            first = false;
            yield return new Segment(line.TrimEnd('\r'));
            yield return Segment.Control(EraseToEndOfLine);
            yield return Segment.LineBreak;
        }
    }
}
