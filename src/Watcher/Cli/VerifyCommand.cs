using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Core;
using Watcher.Maintenance;
using Watcher.Metrics;

namespace Watcher.Cli;

/// <summary>
/// <c>nix-watcher verify [--cache NAME]… [--deep] [--repair] [--json]</c>: checks that every narinfo of a file or S3
/// cache is signed, names an existing NAR of the right size, and has narinfos for its references (with <c>--deep</c>
/// also the NAR hashes); with <c>--repair</c> pushes damaged paths again or removes what cannot be pushed.
/// Exit 0 when every cache is clean, 1 when not, 2 for an Attic cache.
/// </summary>
internal static class VerifyCommand
{
    private static readonly Option<string[]> CacheOption = new("--cache")
    {
        Description = "Verify this cache only (repeatable; default: every file and s3 cache)",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<bool> DeepOption = new("--deep")
    {
        Description = "Also download every NAR and check FileHash, NarHash and NarSize",
    };

    private static readonly Option<bool> RepairOption = new("--repair")
    {
        Description = "Push damaged paths again from the local store; remove those it lacks, with everything that refers to them",
    };

    private static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print the report as JSON",
    };

    public static Command Create()
    {
        var command = new Command("verify", "Check that a cache is whole: signatures, NAR objects, references; exit 0 only when clean");
        command.Options.Add(CacheOption);
        command.Options.Add(DeepOption);
        command.Options.Add(RepairOption);
        command.Options.Add(JsonOption);
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(WatcherCli.ConfigOption),
            parse.GetValue(CacheOption) ?? [],
            parse.GetValue(DeepOption),
            parse.GetValue(RepairOption),
            parse.GetValue(JsonOption),
            ConsoleOutput.ForProcess(),
            ct));
        return command;
    }

    internal static async Task<int> RunAsync(string? configPath, string[] cacheNames, bool deep, bool repair, bool json, ConsoleOutput console, CancellationToken cancellationToken)
    {
        var output = console.Out;
        var options = ConfigLoader.Load(configPath);
        var caches = MaintenanceTargets.Select(options, cacheNames, "verify", Console.Error);
        if (caches is null)
        {
            return ExitCodes.Usage;
        }

        using var loggerFactory = WatcherCli.CreateLoggerFactory(LogLevel.Warning, console);
        var journal = new MaintenanceJournal(options.StateDir);
        using var staging = StagingDirectory.In(options.StateDir);
        using var meters = new PrivateMeterFactory();
        using var limits = UploadLimits.From(options, TimeProvider.System);
        var requests = new MaintenanceRequests(staging, new WatcherMetrics(meters), loggerFactory.CreateLogger<CachePolicy>(), limits);
        var reports = new List<VerifyCacheReport>();
        try
        {
            await StepDisplay.RunAsync(console, TimeProvider.System, async progress =>
            {
                foreach (var cache in caches)
                {
                    var report = await VerifyOneAsync(cache, options.Watch, journal, requests, deep, repair, json, output, progress, loggerFactory, cancellationToken);
                    reports.Add(report);
                    if (!json)
                    {
                        await WritePlainAsync(report, output);
                    }
                }

                return reports;
            });
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // A repair stops as a push does: nothing half-published; what was removed stays removed, closures whole.
            throw new CommandInterruptedException($"{reports.Count} of {Plural(caches.Count, "cache")} verified", ex, cancellationToken);
        }

        var all = new VerifyReport(reports);
        await output.WriteLineAsync(json
            ? JsonSerializer.Serialize(all, MaintenanceJsonContext.Default.VerifyReport)
            : all.Clean ? "verify: ok" : $"verify: {Plural(reports.Sum(r => r.Error is null ? (r.Remaining ?? r.Problems).Count : 1), "problem")}");
        return all.Clean ? ExitCodes.Ok : ExitCodes.Failures;
    }

    private static async Task<VerifyCacheReport> VerifyOneAsync(
        SignedCacheOptions cache,
        WatchOptions watch,
        MaintenanceJournal journal,
        MaintenanceRequests requests,
        bool deep,
        bool repair,
        bool json,
        TextWriter output,
        IStepProgress? progress,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        string where = CacheProbe.Describe(cache);
        var key = MaintenanceTargets.LoadPublicKey(cache);
        if (key is null)
        {
            return new VerifyCacheReport
            {
                Cache = cache.Name,
                Where = where,
                Error = $"the signing key {cache.SigningKeyFile} does not exist, so nothing in this cache can be signed by it",
            };
        }

        using var objects = MaintenanceTargets.Open(cache, requests.Metrics, requests.PolicyLogger, TimeProvider.System);
        try
        {
            var verification = new CacheVerification(cache, watch, requests.Staging, journal, progress, loggerFactory) { Limits = requests.Limits };
            var report = await verification.RunAsync(objects, key, deep, repair, action =>
            {
                if (!json)
                {
                    output.WriteLine($"  repair: {action}");
                }
            }, cancellationToken);
            return report with { Where = where };
        }
        catch (Exception ex) when (ex is WatcherException or IOException or UnauthorizedAccessException)
        {
            return new VerifyCacheReport { Cache = cache.Name, Where = where, Error = ex.Message };
        }
    }

    private static async Task WritePlainAsync(VerifyCacheReport report, TextWriter output)
    {
        if (report.Error is not null)
        {
            await output.WriteLineAsync($"cache {report.Cache} ({report.Where}): FAILED: {report.Error}");
            return;
        }

        string deep = report.Deep ? (report.DeepSkipped > 0 ? $", NARs checked deeply except {report.DeepSkipped} in compressions this check cannot read" : ", NARs checked deeply") : string.Empty;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"cache {report.Cache} ({report.Where}): {Plural(report.Narinfos, "narinfo")}, {Plural(report.Nars, "NAR")}, {Plural((int)report.Orphans.Count, "orphan NAR")} ({report.Orphans.Bytes} bytes){deep}"));
        foreach (var problem in report.Problems)
        {
            await output.WriteLineAsync($"  {problem.StorePath ?? "(unknown path)"}: {problem.Kind}: {problem.Object}: {problem.Detail}");
        }

        if (report.Remaining is { } remaining)
        {
            await output.WriteLineAsync(remaining.Count == 0 ? "  after repair: clean" : $"  after repair: {Plural(remaining.Count, "problem")} left");
            foreach (var problem in remaining)
            {
                await output.WriteLineAsync($"  left: {problem.StorePath ?? "(unknown path)"}: {problem.Kind}: {problem.Object}: {problem.Detail}");
            }
        }

        if (report.JournalForgotten > 0)
        {
            await output.WriteLineAsync($"  journal: forgot {Plural(report.JournalForgotten, "path")} the daemon believed were in this cache; its next scan pushes them again");
        }
    }

    internal static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");
}
