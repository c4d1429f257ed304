using System.Text.Json;
using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;
using Watcher.State;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// <c>nix-watcher status</c> answers "is it keeping up?": paths per minute and the last push from the running daemon,
/// how long the oldest pending path has waited (from the state too); <c>--watch</c> asks again until interrupted.
/// </summary>
[Collection(NixCollection.Name)]
public sealed partial class StatusCommandTests(NixFixture nix)
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "nix-watcher.dll");

    /// <summary>
    /// timeout(1) arguments: SIGINT (Ctrl+C) after 8 s, to the command only (without --foreground it signals the whole
    /// process group as well, so the command would get it twice), and its exit status passed on.
    /// </summary>
    private static readonly string[] Interrupt = ["--foreground", "--preserve-status", "-s", "INT", "8"];

    [Fact]
    public async Task Status_RunningDaemonPushedPaths_ShowsTheRateAndTheLastPush()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        await using var daemon = home.Start();
        await daemon.WaitForLogAsync("watching /nix/store", ct, TestTimeouts.DaemonStart);

        var outputs = await nix.BuildChainAsync(3, ct);
        await daemon.WaitUntilAsync(() => outputs.All(home.HasNarInfo), "the three paths in the cache", ct);
        var json = await RunAsync(home, ["status", "--json"], ct);
        var text = await RunAsync(home, ["status"], ct);

        Assert.True(json.ExitCode == 0, json.StandardError + json.StandardOutput);
        using (var report = JsonDocument.Parse(json.StandardOutput))
        {
            var local = report.RootElement.GetProperty("caches")[0];
            Assert.True(local.GetProperty("paths_per_minute").GetDouble() >= 3 / 5.0, json.StandardOutput);
            Assert.Equal(JsonValueKind.String, local.GetProperty("last_success").ValueKind);
            Assert.True(local.TryGetProperty("oldest_pending", out _), json.StandardOutput);
        }

        Assert.Matches(@"\n  rate:       [0-9.]+ paths/min over the last 5 min\n", text.StandardOutput);
        Assert.Contains("\n  last push:  ", text.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Fact]
    public async Task Status_NoDaemonPathsPending_ShowsWhenTheOldestWasJournaledAndHowLongItHasWaited()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        var journaled = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()).AddMinutes(-3);
        using (var state = StateStore.Open(Path.Combine(home.Root, "state")))
        {
            var path = StorePath.FromBaseName(new string('0', 32) + "-waiting");
            state.Enqueue("local", [new PathInfo { Path = path, NarHash = new byte[32], NarSize = 1, References = [] }], journaled);
        }

        var json = await RunAsync(home, ["status", "--json"], ct);
        var text = await RunAsync(home, ["status"], ct);

        Assert.Equal(1, json.ExitCode);
        using (var report = JsonDocument.Parse(json.StandardOutput))
        {
            var local = report.RootElement.GetProperty("caches")[0];
            Assert.Equal(1, local.GetProperty("pending").GetInt64());
            Assert.Equal(journaled, local.GetProperty("oldest_pending").GetDateTimeOffset());
            Assert.InRange(local.GetProperty("oldest_pending_age_seconds").GetDouble(), 180, 480);
            Assert.Equal(JsonValueKind.Null, local.GetProperty("paths_per_minute").ValueKind);
        }

        Assert.Matches(@"\n  oldest pending: waiting [3-7] min [0-9]+ s, since ", text.StandardOutput);
        Assert.DoesNotContain("rate:", text.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_WatchNotATerminal_PrintsAReportEachTimeUntilInterrupted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();

        var watch = await ProcessRunner.RunAsync("timeout", [.. Interrupt, "dotnet", Dll, "--config", home.ConfigFile, "status", "--watch"], home.Environment, cancellationToken: ct);

        Assert.True(watch.ExitCode == 1, $"exit {watch.ExitCode}: {watch.StandardError}");
        Assert.True(Regex.Count(watch.StandardOutput, "nix-watcher: not running") >= 2, watch.StandardOutput);
        Assert.Empty(watch.StandardError);
    }

    [Fact]
    public async Task Status_WatchOnATerminal_RedrawsTheReportInPlace()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();

        var watch = await PseudoTerminal.RunAsync(["timeout", .. Interrupt, "dotnet", Dll, "--config", home.ConfigFile, "status", "--watch"], home.Environment, ct);

        Assert.True(watch.ExitCode == 1, $"exit {watch.ExitCode}: {watch.StandardOutput}");
        string raw = watch.StandardOutput;
        int first = raw.IndexOf("nix-watcher: not running", StringComparison.Ordinal);
        int second = raw.IndexOf("nix-watcher: not running", first + 1, StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first, raw);
        Assert.Matches(CursorUp(), raw[first..second]);
    }

    private static Task<ProcessResult> RunAsync(DaemonHome home, string[] arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync("dotnet", [Dll, "--config", home.ConfigFile, .. arguments], home.Environment, cancellationToken: cancellationToken);

    [GeneratedRegex(@"\u001b\[[0-9]+A")]
    private static partial Regex CursorUp();
}
