namespace Watcher.Tests;

/// <summary>Waits for a state the code under test reaches on its own threads.</summary>
/// <remarks>
/// This waits for a condition, never for time to pass: it is not a way to let code "get there" before a fake clock is
/// moved (<see cref="ArmedTimeProvider"/> is). The bound only turns a hang into a failure that names what never came.
/// </remarks>
internal static class Poll
{
    /// <summary>How long, in real time, a condition may take before the test fails.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test after <see cref="Bound"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, Task? running = null)
    {
        for (var waited = TimeSpan.Zero; !condition(); waited += Interval)
        {
            if (running is { IsFaulted: true })
            {
                await running;
            }

            Assert.True(waited < Bound, "timed out waiting until " + what);
            await Task.Delay(Interval, TestContext.Current.CancellationToken);
        }
    }
}
