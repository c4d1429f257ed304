using System.CommandLine;
using Watcher.Config;
using Watcher.Hosting;
using Watcher.State;

namespace Watcher.Cli;

/// <summary><c>nix-watcher retry [--cache NAME]</c>: puts dead letters back in the queue.</summary>
/// <remarks>
/// The running daemon requeues them and starts at once; with no daemon, the state is changed directly and
/// they go up at the next start (which requeues dead letters anyway).
/// </remarks>
internal static class RetryCommand
{
    public static Command Create()
    {
        var cache = new Option<string?>("--cache") { Description = "Only this cache's dead letters (default: every cache)" };
        var command = new Command("retry", "Push the dead letters again (after fixing what made them fail)");
        command.Options.Add(cache);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(cache), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(string? configPath, string? cache, TextWriter output, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        if (cache is not null && options.Caches.All(c => c.Name != cache))
        {
            await Console.Error.WriteLineAsync($"nix-watcher: no cache named '{cache}' in the config (caches: {string.Join(", ", options.Caches.Select(c => c.Name))})");
            return ExitCodes.Usage;
        }

        RetryResult? result;
        using (var socket = new ControlSocket(options.StateDir))
        {
            result = await socket.RetryAsync(cache, cancellationToken);
        }

        if (result is not null)
        {
            await output.WriteLineAsync($"requeued {result.Requeued} dead letters; the daemon is pushing them now");
            return ExitCodes.Ok;
        }

        using var state = StateStore.Open(options.StateDir);
        int requeued = state.RequeueDeadLetters(TimeProvider.System.GetUtcNow(), cache);
        await output.WriteLineAsync($"requeued {requeued} dead letters; nix-watcher is not running, they go up when it starts");
        return ExitCodes.Ok;
    }
}
