using System.Globalization;
using Watcher.Maintenance;

namespace Watcher.Cli.Display;

/// <summary>The steps of a maintenance command anywhere but a terminal: a line at most every ten seconds, so a long listing shows it moves.</summary>
internal sealed class PlainSteps(ConsoleOutput output, TimeProvider time) : IStepProgress
{
    /// <summary>At most one line this often.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private long _last = time.GetTimestamp();

    public void Report(string step, long done, long? total)
    {
        lock (_lock)
        {
            if (time.GetElapsedTime(_last) < Interval)
            {
                return;
            }

            _last = time.GetTimestamp();
        }

        output.Message(LogLevel.Information, total is { } all
            ? string.Create(CultureInfo.InvariantCulture, $"{step}: {done} of {all}")
            : string.Create(CultureInfo.InvariantCulture, $"{step}: {done}"));
    }

    public void Finished(string step)
    {
    }
}
