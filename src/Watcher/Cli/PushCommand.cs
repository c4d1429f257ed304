using System.CommandLine;
using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Caches.Factory;
using Watcher.Caches.S3;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Store;

namespace Watcher.Cli;

/// <summary><c>nix-watcher push [--cache NAME]… PATH…</c>: pushes closures now and says how it went.</summary>
internal static partial class PushCommand
{
    private static readonly Option<string[]> CacheOption = new("--cache")
    {
        Description = "Push to this cache only (repeatable; default: every configured cache)",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string?> MaxUploadRateOption = new("--max-upload-rate")
    {
        Description = "Limit the upload rate of all caches together, in place of the config's max-upload-rate (\"4 MiB/s\", \"800 kbit/s\", \"off\", or a timetable such as \"08:00,1M 23:00,off\")",
    };

    private static readonly Option<bool> QuietOption = OneShotPush.QuietOption();

    private static readonly Option<bool> JsonOption = OneShotPush.JsonOption();

    private static readonly Argument<string[]> PathsArgument = new("PATH")
    {
        Description = "Store paths (or links into the store, like ./result) whose closures to push",
        Arity = ArgumentArity.OneOrMore,
    };

    public static Command Create()
    {
        var command = new Command("push", "Push the closures of store paths to the caches; exit 0 only when every path is in every cache");
        command.Options.Add(CacheOption);
        command.Options.Add(MaxUploadRateOption);
        command.Options.Add(QuietOption);
        command.Options.Add(JsonOption);
        command.Arguments.Add(PathsArgument);
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(WatcherCli.ConfigOption),
            parse.GetValue(CacheOption) ?? [],
            parse.GetValue(PathsArgument) ?? [],
            parse.GetValue(QuietOption),
            parse.GetValue(JsonOption),
            parse.GetValue(MaxUploadRateOption),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(string? configPath, string[] cacheNames, string[] arguments, bool quiet, bool json, string? maxUploadRate, CancellationToken cancellationToken)
    {
        RateSchedule? rateOverride = null;
        if (maxUploadRate is not null && !RateSchedule.TryParse(maxUploadRate, out rateOverride, out string? rateError))
        {
            await Console.Error.WriteLineAsync($"nix-watcher: --max-upload-rate must be {RateSchedule.Expected}; {rateError}");
            return ExitCodes.Usage;
        }

        var options = ConfigLoader.Load(configPath);
        var selected = SelectCaches(options, cacheNames);
        string storeDir = options.Watch.StoreDir;
        var roots = new List<StorePath>();
        foreach (string argument in arguments)
        {
            if (!StorePaths.TryResolve(argument, storeDir, out var root, out string? error))
            {
                throw new CommandFailedException(error, ExitCodes.Usage);
            }

            roots.Add(root);
        }

        var output = ConsoleOutput.ForProcess(quiet);
        using var loggerFactory = WatcherCli.CreateLoggerFactory(OneShotPush.MessageLevel(output), output);
        var logger = loggerFactory.CreateLogger("Watcher.Push");
        using var staging = StagingDirectory.In(options.StateDir);
        using var limits = UploadLimits.From(options, TimeProvider.System, rateOverride);
        using var factory = new CacheFactory(loggerFactory) { Staging = staging, Limits = limits };
        using var daemon = new NixDaemonClient(new NixDaemonClientOptions { StoreDir = storeDir }, loggerFactory.CreateLogger<NixDaemonClient>());
        using var push = new OneShotPush(selected, factory, daemon, logger);
        ShowCreatedKeys(factory, selected);

        // The same plan as the daemon's: closure, exclude and skip-derivations (which also keep out what refers to them).
        var plan = await PushPlan.CreateAsync(roots, daemon, new PathFilter(options.Watch), cancellationToken);
        if (plan.Invalid.Count > 0)
        {
            throw new CommandFailedException($"not valid in the store: {string.Join(", ", plan.Invalid)}", ExitCodes.Failures);
        }

        foreach (var root in roots.Where(plan.Excluded.ContainsKey))
        {
            await Console.Error.WriteLineAsync($"nix-watcher: {root} is not pushed: {PathFilter.Because(root, plan.Excluded[root])}");
        }

        Log.Closure(logger, plan.Closure.Count, roots.Count, push.Targets.Count, plan.Excluded.Count);
        var summary = await push.PushAsync(plan, output, cancellationToken);
        await PushSummaryView.WriteAsync(summary, output, json);
        return summary.Failed == 0 ? ExitCodes.Ok : ExitCodes.Failures;
    }

    private static List<CacheOptions> SelectCaches(WatcherOptions options, string[] names)
    {
        if (names.Length == 0)
        {
            return [.. options.Caches];
        }

        var unknown = names.Where(n => !options.Caches.Any(c => c.Name == n)).ToList();
        if (unknown.Count > 0)
        {
            throw new CommandFailedException($"no cache named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; configured: {string.Join(", ", options.Caches.Select(c => c.Name))}", ExitCodes.Usage);
        }

        return options.Caches.Where(c => names.Contains(c.Name)).ToList();
    }

    /// <summary>Shows each signing key created on this run and the nix.conf lines that trust it.</summary>
    internal static void ShowCreatedKeys(CacheFactory factory, IEnumerable<CacheOptions> caches)
    {
        foreach (var (file, key) in factory.CreatedKeys)
        {
            Console.Error.WriteLine($"Created the signing key {file}.");
            Console.Error.WriteLine("Machines that substitute from this cache need in their nix.conf:");
            Console.Error.WriteLine($"  trusted-public-keys = {key}");
            foreach (var cache in caches.OfType<FileCacheOptions>())
            {
                Console.Error.WriteLine($"  substituters = file://{cache.Path}");
            }

            foreach (var cache in caches.OfType<S3CacheOptions>())
            {
                string endpoint = cache.Endpoint is null ? string.Empty : $"&endpoint={cache.Endpoint.ToString().TrimEnd('/')}";
                Console.Error.WriteLine($"  substituters = s3://{cache.Bucket}?region={cache.Region ?? S3ClientFactory.DefaultRegion}{endpoint}");
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, EventName = "PushClosure", Level = LogLevel.Information, Message = "pushing a closure of {PathCount} paths from {RootCount} roots to {CacheCount} caches ({ExcludedCount} excluded)")]
        public static partial void Closure(ILogger logger, int pathCount, int rootCount, int cacheCount, int excludedCount);
    }
}
