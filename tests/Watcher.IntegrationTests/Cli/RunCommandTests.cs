using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Cli;

/// <summary><c>nix-watcher run</c> writing its log where systemd puts it.</summary>
[Collection(NixCollection.Name)]
public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_StdoutAndStderrAreTheJournal_EachLogLineCarriesItsPriority()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        string journal = Path.Combine(home.Root, "journal");

        // As under systemd: stdout and stderr are one stream, named in $JOURNAL_STREAM (device:inode); here a file.
        // The daemon is stopped with SIGTERM once it says it watches the store.
        var run = await ProcessRunner.RunAsync(
            "sh",
            [
                "-c",
                """
                exec >"$0" 2>&1
                JOURNAL_STREAM=$(stat -L -c %d:%i "$0") "$@" &
                i=0
                until grep -q 'watching ' "$0" || [ $i -ge 600 ]; do sleep 0.1; i=$((i+1)); done
                kill -TERM $!
                wait $!
                """,
                journal, "dotnet", Path.Combine(AppContext.BaseDirectory, "nix-watcher.dll"), "--config", home.ConfigFile, "run",
            ],
            home.Environment,
            cancellationToken: ct);

        string log = await File.ReadAllTextAsync(journal, ct);
        Assert.True(run.ExitCode == 0, log);
        string[] lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("<6>", StringComparison.Ordinal) && l.Contains("watching /nix/store for new paths", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Matches("^<[0-7]>", l));
    }
}
