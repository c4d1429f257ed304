using Watcher.Config;

namespace Watcher.Maintenance;

/// <summary><c>gc</c> on one cache: list, plan, and (unless a dry run) delete, then tell the journal what went.</summary>
internal sealed class CacheCollection(SignedCacheOptions options, string storeDir, MaintenanceJournal journal, IStepProgress? progress, TimeProvider time)
{
    public async Task<GcCacheReport> RunAsync(ICacheObjects objects, int keepDays, TimeSpan grace, IReadOnlySet<string> keep, bool dryRun, CancellationToken cancellationToken)
    {
        var scanner = new CacheScanner(objects, storeDir, progress);
        var index = await scanner.ScanAsync([], cancellationToken);
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
        }

        return report with
        {
            DeletedNarinfos = new ObjectCount(result.DeletedNarInfos, result.DeletedNarInfoBytes),
            DeletedNars = new ObjectCount(result.DeletedNars, result.DeletedNarBytes),
            KeptChanged = result.KeptChanged,
        };
    }
}
