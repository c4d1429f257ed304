using System.CommandLine;
using System.Net.Sockets;
using Watcher.Caches;
using Watcher.Caches.Factory;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Hosting;
using Watcher.Pipeline;
using Watcher.State;

namespace Watcher.Cli;

/// <summary><c>nix-watcher run</c>: the daemon (also what runs with no command).</summary>
internal static partial class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Watch the store and push every new path to every cache (the daemon)");
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(WatcherCli.ConfigOption), ct));
        return command;
    }

    public static async Task<int> RunAsync(string? configPath, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "nix-watcher" });
        if (JournalStream.IsStandardError())
        {
            // Each line starts with its syslog priority ("<4>"), which journald records; it adds the time itself.
            builder.Logging.AddSystemdConsole(o => o.TimestampFormat = null);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = null;
            });
        }

        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddWatcherCore(options).AddWatcherPipeline().AddWatcherEndpoints(builder.WebHost, options);
        await using var app = builder.Build();
        app.MapWatcherEndpoints();

        // The state first: one that belongs to another user exits 1 here, before anything is created in it.
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RunCommand));
        foreach (string change in StateDirectory.Prepare(options.StateDir))
        {
            Log.PermissionsTightened(logger, change);
        }

        app.Services.GetRequiredService<StateStore>();

        // Create the caches (and a first-run signing key) before the host starts, so setup errors exit 78.
        app.Services.GetRequiredService<IReadOnlyList<CacheTarget>>();
        foreach (var (file, key) in app.Services.GetRequiredService<CacheFactory>().CreatedKeys)
        {
            await Console.Error.WriteLineAsync($"Created the signing key {file}; its public key (for trusted-public-keys): {key}");
        }

        string socket = ControlSocket.PathIn(options.StateDir);
        if (!await ClaimSocketAsync(socket, cancellationToken))
        {
            await Console.Error.WriteLineAsync($"nix-watcher: another nix-watcher is already running with the state directory {options.StateDir}");
            return ExitCodes.Failures;
        }

        // Staged NARs of processes that died (kill -9, power cut) go before this one stages its own.
        var (files, bytes) = app.Services.GetRequiredService<StagingDirectory>().SweepAbandoned();
        if (files > 0)
        {
            Log.StagingSwept(logger, files, bytes, options.StateDir);
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || app.Lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Stopped (SIGTERM, Ctrl-C) while starting: what had started stops in order, the journal keeps the rest. The
            // host's own lifetime hears the signal too, and may cancel its start before Interrupts has cancelled ours.
            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }
        catch (IOException ex)
        {
            // Only the control socket is bound here; metrics have a listener of their own that retries (MetricsServer).
            await Console.Error.WriteLineAsync($"nix-watcher: cannot listen on the control socket {socket}: {ex.Message}");
            return ExitCodes.Failures;
        }

        File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>Removes a socket left by a daemon that died; false when a live daemon still answers on it.</summary>
    private static async Task<bool> ClaimSocketAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return true;
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                return false;
            }
            catch (SocketException)
            {
                // Nobody listens: a stale file.
            }
        }

        File.Delete(path);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 530, EventName = "StatePermissionsTightened", Level = LogLevel.Warning, Message = "made the state private to its owner: {Change}")]
        public static partial void PermissionsTightened(ILogger logger, string change);

        [LoggerMessage(EventId = 531, EventName = "StagingSwept", Level = LogLevel.Information, Message = "removed {Count} staged NARs ({Bytes} bytes) that an interrupted run left in {StateDir}")]
        public static partial void StagingSwept(ILogger logger, int count, long bytes, string stateDir);
    }
}
