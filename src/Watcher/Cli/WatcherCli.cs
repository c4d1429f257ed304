using System.CommandLine;
using System.Text.Json;
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

        // Every exit below is one message and an exit code: no stack trace, whatever went wrong.
        bool daemon = parse.CommandResult.Command == root || parse.CommandResult.Command.Name == "run";
        bool json = WantsJson(parse);
        using var interrupts = new Interrupts(Console.Error, daemon ? null : Environment.Exit);
        try
        {
            // Signals are ours (Interrupts), not the command line's, whose handler forces an exit after a timeout: the
            // daemon drains its uploads while they move, and a one-shot command stops in order.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, interrupts.Token);
        }
        catch (OperationCanceledException ex) when (interrupts.Signal != 0)
        {
            // The daemon stopped as asked: a clean stop is success under systemd, at any moment of its start too.
            return daemon ? ExitCodes.Ok : await FailAsync(ex is CommandInterruptedException i ? i.Message : "interrupted", Interrupts.ExitCode(interrupts.Signal), json);
        }
        catch (ConfigException ex)
        {
            return await FailAsync("configuration error:\n" + ex.Message, ExitCodes.Config, json);
        }
        catch (CommandFailedException ex)
        {
            return await FailAsync(ex.Message, ex.ExitCode, json);
        }
        catch (WatcherException ex)
        {
            return await FailAsync(ex.Message, ExitCodes.Failures, json);
        }
        catch (Exception ex)
        {
            return await FailAsync($"unexpected error ({ex.GetType().Name}): {ex.Message}", ExitCodes.Failures, json);
        }
    }

    /// <summary>Says why a command ends without its result: on stderr, and as a JSON object on stdout under <c>--json</c>.</summary>
    internal static async Task<int> FailAsync(string message, int exitCode, bool json)
    {
        await Console.Error.WriteLineAsync("nix-watcher: " + message);
        if (json)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(new CommandError(message, exitCode), PushJsonContext.Default.CommandError));
        }

        return exitCode;
    }

    /// <summary>Whether the command has a <c>--json</c> option and it was given.</summary>
    private static bool WantsJson(ParseResult parse) =>
        parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == "--json") is Option<bool> option && parse.GetValue(option);

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
