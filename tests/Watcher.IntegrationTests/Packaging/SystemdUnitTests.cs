using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>The user unit in <c>systemd/</c> is valid for systemd and keeps the promises the daemon relies on.</summary>
public sealed class SystemdUnitTests
{
    /// <summary>The host's shutdown timeout (the drain budget); systemd must wait longer before SIGKILL.</summary>

    private static UnitFile Unit => new(File.ReadAllText(RepoFiles.UnitFile));

    [Fact]
    public async Task Unit_PassesSystemdAnalyzeVerify_AsAUserUnit()
    {
        var ct = TestContext.Current.CancellationToken;
        var sandbox = Directory.CreateTempSubdirectory("unit-verify-");
        try
        {
            // No user manager runs here: give systemd-analyze a HOME with a stub at the ExecStart path
            // (%h/.nix-profile/bin/nix-watcher) and a runtime directory of its own.
            string home = Path.Combine(sandbox.FullName, "home");
            string stub = Path.Combine(home, ".nix-profile", "bin", "nix-watcher");
            string runtime = Path.Combine(sandbox.FullName, "run");
            Directory.CreateDirectory(Path.GetDirectoryName(stub)!);
            Directory.CreateDirectory(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await File.WriteAllTextAsync(stub, "#!/bin/sh\nexit 0\n", ct);
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string unit = Path.Combine(sandbox.FullName, "nix-watcher.service");
            File.Copy(RepoFiles.UnitFile, unit);

            var result = await ProcessRunner.RunAsync(
                "systemd-analyze",
                ["verify", "--user", unit],
                new Dictionary<string, string?> { ["HOME"] = home, ["XDG_RUNTIME_DIR"] = runtime, ["SYSTEMD_LOG_LEVEL"] = "notice" },
                cancellationToken: ct);

            // verify exits 0 on unknown keys and bad values ("…, ignoring"), so any output is a failure too.
            Assert.True(result.ExitCode == 0 && result.StandardError.Length == 0 && result.StandardOutput.Length == 0,
                $"exit {result.ExitCode}\n{result.StandardError}{result.StandardOutput}");
        }
        finally
        {
            sandbox.Delete(recursive: true);
        }
    }

    [Fact]
    public void Unit_IsNotifyWithWatchdog()
    {
        Assert.Equal("notify", Unit.Get("Service", "Type"));
        Assert.Equal(TimeSpan.FromSeconds(30), UnitFile.ParseTimeSpan(Unit.Get("Service", "WatchdogSec")!));
        Assert.Contains("nix-watcher run", Unit.Get("Service", "ExecStart"), StringComparison.Ordinal);
    }

    [Fact]
    public void Unit_DoesNotRestartOnConfigErrors()
    {
        Assert.Equal("on-failure", Unit.Get("Service", "Restart"));
        Assert.Contains("78", Unit.All("Service", "RestartPreventExitStatus").SelectMany(v => v.Split(' ')));
    }

    [Fact]
    public void Unit_StopTimeout_ExceedsTheDrainBudget()
    {
        TimeSpan stop = UnitFile.ParseTimeSpan(Unit.Get("Service", "TimeoutStopSec")!);

        // The daemon aborts uploads after the drain budget without progress and tells systemd the budget left plus a margin.
        var needed = Watcher.Pipeline.SchedulerService.DrainBudget + Watcher.Pipeline.SchedulerService.NotifyMargin;
        Assert.True(stop >= needed, $"TimeoutStopSec={stop} must cover the drain budget and its margin ({needed})");
    }

    [Fact]
    public void Unit_FirstRunMayCreateTheDefaultSigningKey_ButNotRewriteKeyOrConfig()
    {
        var unit = Unit;
        var paths = new Watcher.Config.ConfigPaths(new Dictionary<string, string?> { ["HOME"] = "/home/u", ["XDG_CONFIG_HOME"] = "/home/u/.config" });

        // ConfigurationDirectory= of a user unit is $XDG_CONFIG_HOME/<name>, which %E/<name> names in the unit.
        Assert.Equal("/home/u/.config/nix-watcher/signing.key", paths.DefaultSigningKeyFile);
        Assert.Equal("/home/u/.config/nix-watcher/config.toml", paths.DefaultConfigFile.File);
        Assert.Equal("nix-watcher", unit.Get("Service", "ConfigurationDirectory"));
        Assert.Equal("0700", unit.Get("Service", "ConfigurationDirectoryMode"));
        Assert.Contains("-%E/nix-watcher/signing.key", unit.All("Service", "ReadOnlyPaths"));
        Assert.Contains("-%E/nix-watcher/config.toml", unit.All("Service", "ReadOnlyPaths"));
    }

    [Fact]
    public void Unit_IsSandboxed_ButLetsTheJitWork()
    {
        var unit = Unit;
        Assert.Equal("strict", unit.Get("Service", "ProtectSystem"));
        Assert.Equal("read-only", unit.Get("Service", "ProtectHome"));
        Assert.Contains("/nix/store", unit.All("Service", "ReadOnlyPaths"));
        Assert.Equal("yes", unit.Get("Service", "NoNewPrivileges"));
        Assert.Equal("yes", unit.Get("Service", "PrivateTmp"));
        Assert.Equal("AF_UNIX AF_INET AF_INET6", unit.Get("Service", "RestrictAddressFamilies"));
        Assert.Equal("@system-service", unit.All("Service", "SystemCallFilter")[0]);
        Assert.Equal("nix-watcher", unit.Get("Service", "StateDirectory"));
        Assert.Equal("nix-watcher", unit.Get("Service", "CacheDirectory"));
        Assert.NotNull(unit.Get("Service", "MemoryHigh"));
        Assert.Null(unit.Get("Service", "MemoryDenyWriteExecute"));
    }
}
