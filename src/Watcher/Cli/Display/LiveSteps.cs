using System.Globalization;
using Spectre.Console;
using Watcher.Maintenance;

namespace Watcher.Cli.Display;

/// <summary>The steps of a maintenance command on a terminal: a bar per step while it runs (pulsing while its total is not known).</summary>
internal sealed class LiveSteps : IStepProgress
{
    private readonly ProgressContext _context;
    private readonly Dictionary<string, ProgressTask> _tasks = [];
    private readonly Lock _lock = new();

    private LiveSteps(ProgressContext context)
    {
        _context = context;
    }

    /// <summary>Shows the steps <paramref name="work"/> reports on <paramref name="console"/> while it runs; cleared at its end.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, TimeProvider time, Func<IStepProgress, Task<T>> work) =>
        new Progress(console, time) { AutoClear = true, HideCompleted = true }
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(context => work(new LiveSteps(context)));

    public void Report(string step, long done, long? total)
    {
        lock (_lock)
        {
            if (!_tasks.TryGetValue(step, out var task))
            {
                task = _context.AddTask(Markup.Escape(step), new ProgressTaskSettings { MaxValue = 1 });
                _tasks[step] = task;
            }

            task.IsIndeterminate = total is null;
            task.Description = Markup.Escape(step) + " " + (total is { } all
                ? string.Create(CultureInfo.InvariantCulture, $"{done}/{all}")
                : done.ToString(CultureInfo.InvariantCulture));
            task.MaxValue = total ?? done + 1;
            task.Value = done;
        }
    }

    public void Finished(string step)
    {
        lock (_lock)
        {
            if (_tasks.Remove(step, out var task))
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }
}
