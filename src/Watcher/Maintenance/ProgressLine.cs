namespace Watcher.Maintenance;

/// <summary>
/// Progress of a long listing or check: on a terminal one line rewritten in place a few times a second, otherwise
/// (a log, a pipe) a plain line at most every ten seconds. Written to stderr, so stdout stays for the report.
/// </summary>
internal sealed class ProgressLine(TextWriter output, bool interactive, TimeProvider time)
{
    private static readonly TimeSpan InteractiveInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private long _last = time.GetTimestamp();
    private int _width;

    /// <summary>A progress line on stderr, in place when stderr is a terminal.</summary>
    public static ProgressLine ForConsole(TimeProvider time) => new(Console.Error, !Console.IsErrorRedirected, time);

    /// <summary>Shows <paramref name="text"/> if the last update is long enough ago (or <paramref name="force"/>).</summary>
    public void Report(string text, bool force = false)
    {
        lock (_lock)
        {
            if (!force && time.GetElapsedTime(_last) < (interactive ? InteractiveInterval : PlainInterval))
            {
                return;
            }

            _last = time.GetTimestamp();
            if (interactive)
            {
                output.Write("\r" + text.PadRight(_width));
                _width = text.Length;
            }
            else
            {
                output.WriteLine(text);
            }
        }
    }

    /// <summary>Ends the in-place line so what follows starts on a line of its own.</summary>
    public void Done()
    {
        lock (_lock)
        {
            if (interactive && _width > 0)
            {
                output.Write("\r" + new string(' ', _width) + "\r");
                _width = 0;
            }
        }
    }
}
