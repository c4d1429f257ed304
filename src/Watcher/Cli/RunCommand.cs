using System.CommandLine;
using Watcher.Config;
using Watcher.Upload;

namespace Watcher.Cli;

/// <summary><c>nix-watcher run</c>: the daemon (also what runs with no command).</summary>
internal static class RunCommand
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
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = null;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddWatcherCore(options).AddWatcherPipeline();
        using var host = builder.Build();

        // Create the caches (and a first-run signing key) before the host starts, so setup errors exit 78.
        host.Services.GetRequiredService<IReadOnlyList<Pipeline.CacheTarget>>();
        foreach (var (file, key) in host.Services.GetRequiredService<CacheFactory>().CreatedKeys)
        {
            await Console.Error.WriteLineAsync($"Created the signing key {file}; its public key (for trusted-public-keys): {key}");
        }

        await host.RunAsync(cancellationToken);
        return ExitCodes.Ok;
    }
}
