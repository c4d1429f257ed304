using System.CommandLine;
using Watcher.Config;
using Watcher.Hosting;

namespace Watcher.Cli;

/// <summary>
/// <c>nix-watcher limit [--cache NAME] [RATE]</c>: sets the running daemon's <c>max-upload-rate</c> (a rate or a
/// timetable) without stopping an upload, or shows the limits in force.
/// </summary>
/// <remarks>
/// The new limit holds until the config is read again (<c>SIGHUP</c>, <c>systemctl --user reload</c>) or the daemon
/// restarts; to keep it, write it in the config file.
/// </remarks>
internal static class LimitCommand
{
    public static Command Create()
    {
        var cache = new Option<string?>("--cache") { Description = "Set this cache's own limit (default: the limit of all caches together)" };
        var rate = new Argument<string?>("RATE")
        {
            Description = "\"4 MiB/s\", \"800 kbit/s\", \"512k\", \"off\", or a timetable such as \"08:00,1M 19:00,512k 23:00,off\" (local time); without it, show the limits",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("limit", "Set or show the running daemon's upload rate limit (max-upload-rate) without interrupting uploads");
        command.Options.Add(cache);
        command.Arguments.Add(rate);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(cache), parse.GetValue(rate), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(string? configPath, string? cache, string? rate, TextWriter output, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        if (cache is not null && options.Caches.FirstOrDefault(c => c.Name == cache) is not (S3CacheOptions or AtticCacheOptions))
        {
            string limited = string.Join(", ", options.Caches.Where(c => c is S3CacheOptions or AtticCacheOptions).Select(c => c.Name));
            await Console.Error.WriteLineAsync($"nix-watcher: no S3 or Attic cache named '{cache}' in the config (file caches have no limit; S3 and Attic caches: {(limited.Length == 0 ? "none" : limited)})");
            return ExitCodes.Usage;
        }

        if (rate is not null && !RateSchedule.TryParse(rate, out _, out string? error))
        {
            await Console.Error.WriteLineAsync($"nix-watcher: the rate must be {RateSchedule.Expected}; {error}");
            return ExitCodes.Usage;
        }

        using var socket = new ControlSocket(options.StateDir);
        if (rate is null)
        {
            return await ShowAsync(options, socket, output, cancellationToken);
        }

        LimitResult? result = await socket.LimitAsync(rate, cache, cancellationToken);
        if (result is null)
        {
            await Console.Error.WriteLineAsync("nix-watcher: the daemon is not running; set max-upload-rate in the config file, or use push --max-upload-rate");
            return ExitCodes.Failures;
        }

        if (result.Error is not null || result.Limit is null)
        {
            await Console.Error.WriteLineAsync("nix-watcher: " + (result.Error ?? "the daemon did not apply the limit"));
            return ExitCodes.Failures;
        }

        await output.WriteLineAsync($"max-upload-rate of {(cache is null ? "all caches" : cache)}: {result.Limit.Describe()} (until the config is read again or the daemon restarts)");
        return ExitCodes.Ok;
    }

    private static async Task<int> ShowAsync(WatcherOptions options, ControlSocket socket, TextWriter output, CancellationToken cancellationToken)
    {
        StatusReport? report = await socket.GetStatusAsync(cancellationToken);
        if (report?.UploadLimit is not { } global)
        {
            await output.WriteLineAsync($"nix-watcher is not running; the config sets max-upload-rate \"{options.MaxUploadRate}\"");
            foreach (var cache in options.Caches.Where(c => c.MaxUploadRate is not null))
            {
                await output.WriteLineAsync($"  {cache.Name}: \"{cache.MaxUploadRate}\"");
            }

            return ExitCodes.Failures;
        }

        await output.WriteLineAsync("all caches: " + global.Describe());
        foreach (var cache in report.Caches.Where(c => c.UploadLimit is not null))
        {
            await output.WriteLineAsync($"  {cache.Name}: {cache.UploadLimit!.Describe()}");
        }

        return ExitCodes.Ok;
    }
}
