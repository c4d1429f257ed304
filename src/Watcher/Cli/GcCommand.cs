using System.CommandLine;
using System.Text.Json;
using Watcher.Caches;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Core;
using Watcher.Maintenance;
using Watcher.Metrics;
using Watcher.Nix;

namespace Watcher.Cli;

/// <summary>
/// <c>nix-watcher gc [--cache NAME]… --keep-days N [--keep PATH…] [--keep-roots] [--grace DURATION] [--dry-run] [--json]</c>:
/// deletes the narinfos of a file or S3 cache that nothing recent needs, closure-safely, then the NARs nothing names.
/// </summary>
internal static class GcCommand
{
    private static readonly Option<string[]> CacheOption = new("--cache")
    {
        Description = "Collect this cache only (repeatable; default: every file and s3 cache)",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<int> KeepDaysOption = new("--keep-days")
    {
        Description = $"Keep narinfos modified (published or refreshed by a writer) within this many days, with their closures (at least {GcLimits.MinKeepDays})",
        Required = true,
    };

    private static readonly Option<string[]> KeepOption = new("--keep")
    {
        Description = "Keep the closure of this store path (or link into the store) whatever its age (repeatable)",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<bool> KeepRootsOption = new("--keep-roots")
    {
        Description = "Keep the closures of the configured scan roots (watch.roots)",
    };

    private static readonly Option<string> GraceOption = new("--grace")
    {
        Description = $"Keep everything modified within this (s, m, h, d; default {GcDuration.Format(GcLimits.DefaultGrace)}, at least {GcDuration.Format(GcLimits.MinGrace)}): writers upload a NAR before its narinfo",
    };

    private static readonly Option<bool> DryRunOption = new("--dry-run")
    {
        Description = "Print what would be deleted; delete nothing",
    };

    private static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print the report as JSON",
    };

    public static Command Create()
    {
        var command = new Command("gc", "Delete what no recent narinfo needs from file and s3 caches, closure-safely, while writers keep pushing");
        foreach (var option in (Option[])[CacheOption, KeepDaysOption, KeepOption, KeepRootsOption, GraceOption, DryRunOption, JsonOption])
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(WatcherCli.ConfigOption),
            parse.GetValue(CacheOption) ?? [],
            new GcArguments(parse.GetValue(KeepDaysOption), parse.GetValue(GraceOption), parse.GetValue(KeepOption) ?? [], parse.GetValue(KeepRootsOption), parse.GetValue(DryRunOption), parse.GetValue(JsonOption)),
            ConsoleOutput.ForProcess(),
            ct));
        return command;
    }

    internal static async Task<int> RunAsync(string? configPath, string[] cacheNames, GcArguments arguments, ConsoleOutput console, CancellationToken cancellationToken)
    {
        var output = console.Out;
        var grace = GcLimits.DefaultGrace;
        if (arguments.Grace is not null && !GcDuration.TryParse(arguments.Grace, out grace))
        {
            await Console.Error.WriteLineAsync($"nix-watcher: --grace '{arguments.Grace}': expected a number and a unit (s, m, h or d), like 24h");
            return ExitCodes.Usage;
        }

        if (GcLimits.Validate(arguments.KeepDays, grace) is { } refused)
        {
            await Console.Error.WriteLineAsync("nix-watcher: " + refused);
            return ExitCodes.Usage;
        }

        var options = ConfigLoader.Load(configPath);
        var keep = await KeepSetAsync(options, arguments);
        var caches = keep is null ? null : MaintenanceTargets.Select(options, cacheNames, "gc", Console.Error);
        if (caches is null)
        {
            return ExitCodes.Usage;
        }

        var journal = new MaintenanceJournal(options.StateDir);
        using var loggerFactory = WatcherCli.CreateLoggerFactory(LogLevel.Warning, console);
        using var meters = new PrivateMeterFactory();
        var metrics = new WatcherMetrics(meters);
        var policyLogger = loggerFactory.CreateLogger<CachePolicy>();
        var reports = new List<GcCacheReport>();
        try
        {
            await StepDisplay.RunAsync(console, TimeProvider.System, async progress =>
            {
                foreach (var cache in caches)
                {
                    GcCacheReport report;
                    using var objects = MaintenanceTargets.Open(cache, metrics, policyLogger, TimeProvider.System);
                    try
                    {
                        var collection = new CacheCollection(cache, options.Watch.StoreDir, journal, progress, TimeProvider.System);
                        report = await collection.RunAsync(objects, arguments.KeepDays, grace, keep!, arguments.DryRun, cancellationToken);
                    }
                    catch (Exception ex) when (ex is WatcherException or IOException or UnauthorizedAccessException)
                    {
                        report = new GcCacheReport { Cache = cache.Name, Where = objects.Where, DryRun = arguments.DryRun, Error = ex.Message };
                    }

                    reports.Add(report with { Where = CacheProbe.Describe(cache) });
                    if (!arguments.Json)
                    {
                        await output.WriteLineAsync(Describe(reports[^1]));
                    }
                }

                return reports;
            });
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // Deletes go referrers first, so whatever was deleted, every closure left in the cache is whole.
            throw new CommandInterruptedException($"{reports.Count} of {VerifyCommand.Plural(caches.Count, "cache")} collected", ex, cancellationToken);
        }

        if (arguments.Json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new GcReport(reports), MaintenanceJsonContext.Default.GcReport));
        }

        return reports.Any(r => r.Error is not null) ? ExitCodes.Failures : ExitCodes.Ok;
    }

    /// <summary>The hash parts whose closures stay: <c>--keep</c> paths and, with <c>--keep-roots</c>, the scan roots that exist.</summary>
    private static async Task<HashSet<string>?> KeepSetAsync(WatcherOptions options, GcArguments arguments)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (string argument in arguments.Keep)
        {
            if (!StorePaths.TryResolve(argument, options.Watch.StoreDir, out var path, out string? error))
            {
                await Console.Error.WriteLineAsync("nix-watcher: --keep: " + error);
                return null;
            }

            keep.Add(path.HashPart);
        }

        if (arguments.KeepRoots)
        {
            foreach (string root in options.Watch.Roots)
            {
                if (StorePaths.TryResolve(root, options.Watch.StoreDir, out var path, out _))
                {
                    keep.Add(path.HashPart);
                }
                else
                {
                    await Console.Error.WriteLineAsync($"nix-watcher: gc: the root {root} does not lead into the store; nothing kept for it");
                }
            }
        }

        return keep;
    }

    private static string Describe(GcCacheReport report)
    {
        if (report.Error is not null)
        {
            return $"cache {report.Cache} ({report.Where}): FAILED: {report.Error}";
        }

        string plan = $"{VerifyCommand.Plural(report.Live, "narinfo")} live; {Count(report.DeadNarinfos, "narinfo")} and {Count(report.DeadNars, "NAR")} dead";
        if (report.DryRun)
        {
            return $"cache {report.Cache} ({report.Where}): {plan}; dry run, nothing deleted";
        }

        string kept = report.KeptChanged > 0 ? $"; {VerifyCommand.Plural(report.KeptChanged, "object")} kept because a writer changed them meanwhile" : string.Empty;
        return $"cache {report.Cache} ({report.Where}): {plan}; deleted {Count(report.DeletedNarinfos!, "narinfo")} and {Count(report.DeletedNars!, "NAR")}{kept}";
    }

    private static string Count(ObjectCount count, string noun) => $"{VerifyCommand.Plural((int)count.Count, noun)} ({count.Bytes} bytes)";
}
