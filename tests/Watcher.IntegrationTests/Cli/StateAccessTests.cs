using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// The state directory against other local users: the daemon makes a pre-created, world-readable one private, and
/// another user's <c>status</c>, <c>retry</c> and <c>run</c> are refused with a message instead of a crash.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class StateAccessTests
{
    private const UnixFileMode Rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Open = Rwx | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    [Fact]
    public async Task Run_StateDirectoryMadeWithMkdirP_IsTightenedAndAnotherUserIsRefusedClearly()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var user = await ThrowawayUser.CreateAsync(ct);
        using var home = new DaemonHome();
        string state = Path.Combine(home.Root, "state");
        string db = Path.Combine(state, "state.db");

        // What `mkdir -p` leaves with the usual umask; the home is open too, so only the state's own modes protect it.
        File.SetUnixFileMode(home.Root, Open);
        Directory.CreateDirectory(state, Open);
        await using var daemon = home.Start();
        await daemon.WaitForLogAsync("start-up scan", ct);

        Assert.Contains($"made the state private to its owner: {state}: 0755 → 0700", daemon.Log, StringComparison.Ordinal);
        Assert.Equal(Rwx, File.GetUnixFileMode(state));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(db));
        var read = await user.RunAsync("cat", [db], home.Environment, ct);
        Assert.NotEqual(0, read.ExitCode);
        Assert.Contains("Permission denied", read.StandardError, StringComparison.Ordinal);

        foreach (string[] command in new[] { new[] { "status" }, ["status", "--json"], ["retry"], ["run"] })
        {
            var result = await user.RunWatcherAsync(["--config", home.ConfigFile, .. command], home.Environment, ct);

            string what = string.Join(' ', command);
            Assert.True(result.ExitCode == 1, $"{what} exited {result.ExitCode}:\n{result.StandardError}{result.StandardOutput}");
            Assert.StartsWith($"nix-watcher: the state directory {state} belongs to user root (uid 0), not to user {user.Name} (uid ", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("who runs this command; run nix-watcher as root, or set state-dir to a directory of your own", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", result.StandardError, StringComparison.Ordinal);
            if (command.Contains("--json"))
            {
                // Under --json the error is also a JSON object on stdout, for the script that reads it.
                using var json = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
                Assert.StartsWith($"the state directory {state} belongs to user root", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
                Assert.Equal(1, json.RootElement.GetProperty("exit_code").GetInt32());
            }
            else
            {
                Assert.Empty(result.StandardOutput);
            }
        }

        Assert.Equal(0, await daemon.StopAsync(ct));
    }
}
