using System.CommandLine;
using Watcher.Config;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.Store;
using Watcher.Upload;
using Watcher.Upload.Resilience;
using Watcher.Upload.S3;

namespace Watcher.Cli;

/// <summary><c>nix-watcher push [--cache NAME]… PATH…</c>: pushes closures now and says how it went.</summary>
internal static partial class PushCommand
{
    private static readonly Option<string[]> CacheOption = new("--cache")
    {
        Description = "Push to this cache only (repeatable; default: every configured cache)",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Argument<string[]> PathsArgument = new("PATH")
    {
        Description = "Store paths (or links into the store, like ./result) whose closures to push",
        Arity = ArgumentArity.OneOrMore,
    };

    public static Command Create()
    {
        var command = new Command("push", "Push the closures of store paths to the caches; exit 0 only when every path is in every cache");
        command.Options.Add(CacheOption);
        command.Arguments.Add(PathsArgument);
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(WatcherCli.ConfigOption), parse.GetValue(CacheOption) ?? [], parse.GetValue(PathsArgument) ?? [], ct));
        return command;
    }

    private static async Task<int> RunAsync(string? configPath, string[] cacheNames, string[] arguments, CancellationToken cancellationToken)
    {
        var options = ConfigLoader.Load(configPath);
        var selected = SelectCaches(options, cacheNames);
        if (selected is null)
        {
            return ExitCodes.Usage;
        }

        string storeDir = options.Watch.StoreDir;
        var roots = new List<StorePath>();
        foreach (string argument in arguments)
        {
            if (!StorePaths.TryResolve(argument, storeDir, out var root, out string? error))
            {
                await Console.Error.WriteLineAsync("nix-watcher: " + error);
                return ExitCodes.Usage;
            }

            roots.Add(root);
        }

        using var loggerFactory = WatcherCli.CreateLoggerFactory();
        var logger = loggerFactory.CreateLogger("Watcher.Push");
        using var staging = StagingDirectory.In(options.StateDir);
        using var factory = new CacheFactory(loggerFactory) { Staging = staging };
        using var meters = new PrivateMeterFactory();
        var metrics = new WatcherMetrics(meters);
        var caches = selected.Select(o => (Options: o, Cache: (IBinaryCache)ResilientCache.Create(
            factory.Create(o, storeDir), ResilienceOptions.OneShot, metrics, TimeProvider.System, logger))).ToList();
        ShowCreatedKeys(factory, caches.Select(c => c.Options));

        using var daemon = new NixDaemonClient(new NixDaemonClientOptions { StoreDir = storeDir }, loggerFactory.CreateLogger<NixDaemonClient>());
        var invalid = roots.Except(await daemon.QueryValidPathsAsync(roots, cancellationToken)).ToList();
        if (invalid.Count > 0)
        {
            await Console.Error.WriteLineAsync($"nix-watcher: not valid in the store: {string.Join(", ", invalid)}");
            return ExitCodes.Failures;
        }

        var closure = await daemon.QueryClosureAsync(roots, cancellationToken);
        Log.Closure(logger, closure.Count, roots.Count, caches.Count);
        var source = new StoreNarSource(daemon);
        var results = await Task.WhenAll(caches.Select(c =>
            new PushSession(c.Cache, source, c.Options.Jobs, logger) { SkipSignedBy = c.Options.SkipSignedBy }.PushAsync(closure, cancellationToken)));

        int failed = 0;
        for (int i = 0; i < caches.Count; i++)
        {
            var outcomes = results[i].Values;
            int pushed = outcomes.Count(o => o.Kind == PathOutcomeKind.Pushed);
            int present = outcomes.Count(o => o.Kind == PathOutcomeKind.Present);
            int failures = outcomes.Count(o => o.Kind == PathOutcomeKind.Failed);
            failed += failures;
            await Console.Out.WriteLineAsync($"{caches[i].Options.Name}: {pushed} pushed, {present} already present, {failures} failed");
        }

        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failures;
    }

    private static List<CacheOptions>? SelectCaches(WatcherOptions options, string[] names)
    {
        if (names.Length == 0)
        {
            return [.. options.Caches];
        }

        var unknown = names.Where(n => !options.Caches.Any(c => c.Name == n)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"nix-watcher: no cache named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; configured: {string.Join(", ", options.Caches.Select(c => c.Name))}");
            return null;
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
        [LoggerMessage(EventId = 200, EventName = "PushClosure", Level = LogLevel.Information, Message = "pushing a closure of {PathCount} paths from {RootCount} roots to {CacheCount} caches")]
        public static partial void Closure(ILogger logger, int pathCount, int rootCount, int cacheCount);
    }
}
