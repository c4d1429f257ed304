using Watcher.Cli.Display;

namespace Watcher.Tests.Cli.Display;

public sealed class LiveStepsTests
{
    [Fact]
    public async Task RunAsync_Steps_EachShowsItsNameAsWrittenAndItsCount()
    {
        using var terminal = new TestTerminal();

        int result = await LiveSteps.RunAsync(terminal.Console, TimeProvider.System, steps =>
        {
            steps.Report("local: listing objects", 1500, null);
            steps.Report("local: reading narinfos [1]", 20, 80);
            steps.Finished("local: listing objects");
            return Task.FromResult(7);
        });

        Assert.Equal(7, result);
        Assert.Contains("local: reading narinfos [1] 20/80", terminal.Output, StringComparison.Ordinal);
        Assert.Contains("25%", terminal.Output, StringComparison.Ordinal);
    }
}
