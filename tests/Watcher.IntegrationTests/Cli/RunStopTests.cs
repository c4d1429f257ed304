using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// <c>nix-watcher run</c> sent SIGTERM or SIGINT at moments of its start that it marks itself (its state created, its
/// control socket bound, a line of the start-up scan, the store watched): it stops what had started and exits 0, and
/// the next start finds nothing in its way.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class RunStopTests
{
    [Theory]
    [InlineData("TERM", "state")]
    [InlineData("TERM", "socket")]
    [InlineData("TERM", "scan")]
    [InlineData("TERM", "watching")]
    [InlineData("INT", "socket")]
    public async Task Run_SignalWhileStarting_StopsWhatStartedAndExitsZero(string signal, string moment)
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome(scan: "roots");
        string missingRoot = Path.Combine(home.Root, "no-such-root");
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile).Replace("roots = []", $"roots = [\"{missingRoot}\"]", StringComparison.Ordinal));
        string state = Path.Combine(home.Root, "state");

        await using (var daemon = home.Start())
        {
            await (moment switch
            {
                "state" => daemon.WaitUntilAsync(() => File.Exists(Path.Combine(state, "state.db")), "the state database", ct, TestTimeouts.DaemonStart),
                "socket" => daemon.WaitUntilAsync(() => File.Exists(Path.Combine(state, "control.sock")), "the control socket", ct, TestTimeouts.DaemonStart),
                "scan" => daemon.WaitForLogAsync($"scan root {missingRoot} does not exist", ct, TestTimeouts.DaemonStart),
                _ => daemon.WaitForLogAsync("watching ", ct, TestTimeouts.DaemonStart),
            });
            await daemon.SignalAsync(signal, ct);
            int exitCode = await daemon.WaitForExitAsync(ct);

            Assert.True(exitCode == 0, $"exit {exitCode}:\n{daemon.Log}");
            Assert.DoesNotContain("Unhandled exception", daemon.Log, StringComparison.Ordinal);
            Assert.DoesNotMatch(InterruptTests.StackFrame(), daemon.Log);
        }

        await using var next = home.Start();
        await next.WaitForLogAsync("watching ", ct, TestTimeouts.DaemonStart);
        Assert.Equal(0, await next.StopAsync(ct));
        Assert.DoesNotContain("another nix-watcher is already running", next.Log, StringComparison.Ordinal);
    }
}
