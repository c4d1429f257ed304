using System.CommandLine;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Watcher.Config;
using Watcher.Hosting;
using Watcher.Upload;

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
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = null;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddWatcherCore(options).AddWatcherPipeline().AddWatcherEndpoints(builder.WebHost, options);
        await using var app = builder.Build();
        app.MapWatcherEndpoints();

        // Create the caches (and a first-run signing key) before the host starts, so setup errors exit 78.
        app.Services.GetRequiredService<IReadOnlyList<Pipeline.CacheTarget>>();
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

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is SocketException or null)
        {
            await Console.Error.WriteLineAsync($"nix-watcher: cannot listen for metrics on {options.Metrics.Listen} ({ex.Message}); set [metrics] listen to a free address, or \"\" to turn metrics off");
            return ExitCodes.Failures;
        }

        File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RunCommand));
        foreach (string address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            if (!address.StartsWith("http://unix:", StringComparison.Ordinal) && logger.IsEnabled(LogLevel.Information))
            {
                string url = address.TrimEnd('/') + "/metrics";
                Log.MetricsListening(logger, url);
            }
        }

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
        [LoggerMessage(EventId = 511, EventName = "MetricsListening", Level = LogLevel.Information, Message = "serving metrics on {Url}")]
        public static partial void MetricsListening(ILogger logger, string url);
    }
}
