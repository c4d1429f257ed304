using Watcher.Maintenance;

namespace Watcher.Cli.Display;

/// <summary>Runs a maintenance command with the step display that suits <see cref="ConsoleOutput"/>: live, plain or none (<c>--quiet</c>).</summary>
internal static class StepDisplay
{
    public static Task<T> RunAsync<T>(ConsoleOutput output, TimeProvider time, Func<IStepProgress?, Task<T>> work) =>
        output.Live is { } live ? LiveSteps.RunAsync(live, time, steps => work(steps))
        : output.Quiet ? work(null)
        : work(new PlainSteps(output, time));
}
