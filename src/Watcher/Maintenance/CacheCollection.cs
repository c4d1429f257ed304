using Watcher.Caches;
using Watcher.Config;
using Watcher.Core;
using Watcher.Metrics;
using Watcher.Nix;

namespace Watcher.Maintenance;

/// <summary><c>gc</c> on one cache: list, plan, and (unless a dry run) delete, then tell the journal what went.</summary>
internal sealed class CacheCollection(SignedCacheOptions options, string storeDir, MaintenanceJournal journal, IStepProgress? progress, TimeProvider time)
{
    /// <summary>Counts what was deleted (the daemon's); none for commands.</summary>
    public WatcherMetrics? Metrics { get; init; }

    /// <summary>
    /// When set, the listing is also checked with <c>verify</c>'s checks against this key before anything is deleted
    /// (<see cref="GcCacheReport.Problems"/>), and the journal forgets what the cache does not have whole.
    /// </summary>
    public NixPublicKey? CheckWith { get; init; }

    public async Task<GcCacheReport> RunAsync(ICacheObjects objects, int keepDays, TimeSpan grace, IReadOnlySet<string> keep, bool dryRun, CancellationToken cancellationToken)
    {
        var scanner = new CacheScanner(objects, storeDir, progress);
        var problems = new List<CacheProblem>();
        var index = await scanner.ScanAsync(problems, cancellationToken);
        int? problemCount = CheckWith is { } key ? await CheckAsync(objects, key, index, problems, cancellationToken) : null;
        var plan = GcPlanner.Plan(index, time.GetUtcNow(), keepDays, grace, keep);
        var report = new GcCacheReport
        {
            Cache = options.Name,
            Where = objects.Where,
            DryRun = dryRun,
            KeepDays = keepDays,
            Grace = GcDuration.Format(grace),
            Live = plan.Live.Count,
            DeadNarinfos = new ObjectCount(plan.DeadNarInfoCount, plan.DeadNarInfoBytes),
            DeadNars = new ObjectCount(plan.DeadNars.Count, plan.DeadNarBytes),
            Problems = problemCount,
        };
        if (dryRun)
        {
            return report;
        }

        var result = new GcResult();
        try
        {
            await new GcExecutor(objects, scanner).ExecuteAsync(index, plan, result, cancellationToken);
        }
        finally
        {
            journal.Record(options.Name, result.DeletedPaths, []);
            Metrics?.Collected(options.Name, result);
        }

        return report with
        {
            DeletedNarinfos = new ObjectCount(result.DeletedNarInfos, result.DeletedNarInfoBytes),
            DeletedNars = new ObjectCount(result.DeletedNars, result.DeletedNarBytes),
            KeptChanged = result.KeptChanged,
        };
    }

    /// <summary>Checks the listing as <c>verify</c> does and forgets from the journal what the cache does not have whole.</summary>
    /// <returns>How many problems were found.</returns>
    private async Task<int> CheckAsync(ICacheObjects objects, NixPublicKey key, CacheIndex index, List<CacheProblem> problems, CancellationToken cancellationToken)
    {
        problems.AddRange(await new CacheVerifier(objects, key).CheckAsync(index, cancellationToken));
        var broken = CacheVerification.Broken(index, problems);
        journal.ForgetUnless(options.Name, hash => index.NarInfos.TryGetValue(hash, out var e) && e.Info is not null && !broken.Contains(hash));
        return problems.Count;
    }
}
