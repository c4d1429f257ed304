using System.CommandLine;
using Watcher.Cli.Display;

namespace Watcher.Cli;

/// <summary>The command line: global options, subcommands, and mapping errors to exit codes.</summary>
internal static class WatcherCli
{
    public static readonly Option<string?> ConfigOption = new("--config")
    {
        Description = "The config file (default: $NIX_WATCHER_CONFIG, else $XDG_CONFIG_HOME/nix-watcher/config.toml)",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("nix-watcher: pushes every new Nix store path to your binary caches");
        root.Options.Add(ConfigOption);
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(PushCommand.Create());
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(NetrcCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(RetryCommand.Create());
        root.Subcommands.Add(LimitCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(GcCommand.Create());
        root.SetAction((parse, ct) => RunCommand.RunAsync(parse.GetValue(ConfigOption), ct));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync("nix-watcher: " + error.Message);
            }

            await Console.Error.WriteLineAsync("Try 'nix-watcher --help'.");
            return ExitCodes.Usage;
        }

        try
        {
            // Our own handler below maps known errors to exit codes; anything else is a bug worth its stack trace.
            // The daemon handles SIGTERM itself (the host's lifetime): it drains uploads while they move, and the
            // command line's handler, which forces an exit after its timeout, must not cut that short. One-shot
            // commands get its handler: Ctrl+C cancels them, and they abort their uploads within seconds.
            bool daemon = parse.CommandResult.Command == root || parse.CommandResult.Command.Name == "run";
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = daemon ? null : TimeSpan.FromSeconds(10),
            });
        }
        catch (ConfigException ex)
        {
            await Console.Error.WriteLineAsync("nix-watcher: configuration error:\n" + ex.Message);
            return ExitCodes.Config;
        }
        catch (StateAccessException ex)
        {
            await Console.Error.WriteLineAsync("nix-watcher: " + ex.Message);
            return ExitCodes.Failures;
        }
    }

    /// <summary>
    /// Logging for a one-shot command: plain messages on stderr (<see cref="CliLoggerProvider"/>), through
    /// <paramref name="output"/>'s live display when one runs.
    /// </summary>
    /// <remarks>Built without dependency injection, which would cost start-up time for nothing.</remarks>
    public static ILoggerFactory CreateLoggerFactory(LogLevel minimum = LogLevel.Information, ConsoleOutput? output = null)
    {
        var factory = new LoggerFactory([], new LoggerFilterOptions { MinLevel = minimum });

        // Added rather than passed to the constructor, so that disposing the factory disposes the provider.
        factory.AddProvider(new CliLoggerProvider(output ?? ConsoleOutput.ForProcess()));
        return factory;
    }
}
