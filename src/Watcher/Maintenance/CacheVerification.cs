using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Store;

namespace Watcher.Maintenance;

/// <summary>
/// <c>verify</c> on one cache: list, check (deeply if asked), optionally repair and check again, and correct the
/// journal from what the cache holds. A repair pushes through <see cref="RepairPush"/>, with the configured
/// <c>exclude</c> and <c>skip-derivations</c>.
/// </summary>
internal sealed class CacheVerification(SignedCacheOptions options, WatchOptions watch, StagingDirectory staging, MaintenanceJournal journal, IStepProgress? progress, ILoggerFactory loggerFactory)
{
    /// <summary>The <c>max-upload-rate</c> limits the repair's uploads keep to; none when null.</summary>
    public UploadLimits? Limits { get; init; }

    private string StoreDir => watch.StoreDir;

    public async Task<VerifyCacheReport> RunAsync(ICacheObjects objects, NixPublicKey key, bool deep, bool repair, Action<RepairAction> report, CancellationToken cancellationToken)
    {
        var (index, problems, skipped) = await CheckAsync(objects, key, deep, cancellationToken);
        var orphans = index.Orphans().ToList();
        var result = new VerifyCacheReport
        {
            Cache = options.Name,
            Where = objects.Where,
            Narinfos = index.NarInfos.Count,
            Nars = index.Nars.Count,
            Orphans = new ObjectCount(orphans.Count, orphans.Sum(o => o.Size)),
            Deep = deep,
            DeepSkipped = skipped,
            Problems = [.. problems.Select(ProblemReport.From)],
        };
        if (repair && problems.Count > 0)
        {
            var executor = new RepairExecutor(objects, PushAsync);
            var plan = await PlanAsync(index, problems, cancellationToken);
            List<RepairAction> actions;
            try
            {
                actions = await executor.ExecuteAsync(plan, report, cancellationToken);
            }
            finally
            {
                journal.Record(options.Name, executor.Removed, executor.Pushed);
            }

            (index, problems, _) = await CheckAsync(objects, key, deep, cancellationToken);
            result = result with { Repair = actions, Remaining = [.. problems.Select(ProblemReport.From)] };
        }

        var broken = Broken(index, problems);
        int forgotten = journal.ForgetUnless(options.Name, hash => index.NarInfos.TryGetValue(hash, out var e) && e.Info is not null && !broken.Contains(hash));
        return result with { JournalForgotten = forgotten };
    }

    private async Task<(CacheIndex Index, List<CacheProblem> Problems, int DeepSkipped)> CheckAsync(ICacheObjects objects, NixPublicKey key, bool deep, CancellationToken cancellationToken)
    {
        var problems = new List<CacheProblem>();
        var index = await new CacheScanner(objects, StoreDir, progress).ScanAsync(problems, cancellationToken);
        problems.AddRange(await new CacheVerifier(objects, key).CheckAsync(index, cancellationToken));
        int skipped = 0;
        if (deep)
        {
            var noNar = problems.Where(p => p.Kind is ProblemKind.NarMissing or ProblemKind.NarSize).Select(p => p.HashPart).ToHashSet(StringComparer.Ordinal);
            var checker = new DeepChecker(objects, progress);
            problems.AddRange(await checker.CheckAsync([.. index.NarInfos.Values.Where(e => e.Info is not null && !noNar.Contains(e.HashPart))], cancellationToken));
            skipped = checker.Skipped;
        }

        return (index, [.. problems.OrderBy(p => p.StorePath ?? p.HashPart, StringComparer.Ordinal).ThenBy(p => p.Kind)], skipped);
    }

    /// <summary>Asks the local store which damaged paths it has, and plans the repair.</summary>
    private async Task<RepairPlan> PlanAsync(CacheIndex index, List<CacheProblem> problems, CancellationToken cancellationToken)
    {
        using var daemon = CreateDaemon();
        var byHash = new Dictionary<string, StorePath?>(StringComparer.Ordinal);
        foreach (string hash in problems.Where(p => p.Kind != ProblemKind.ReferenceMissing).Select(p => p.HashPart).Distinct(StringComparer.Ordinal))
        {
            byHash[hash] = await daemon.QueryPathFromHashPartAsync(hash, cancellationToken);
        }

        var references = problems.Where(p => p.Kind == ProblemKind.ReferenceMissing)
            .SelectMany(p => index.NarInfos[p.HashPart].Info!.References.Where(r => CacheKeys.NarInfoKey(r.HashPart) == p.Object))
            .Distinct()
            .ToList();
        var valid = references.Count == 0 ? new HashSet<StorePath>() : await daemon.QueryValidPathsAsync(references, cancellationToken);
        return RepairPlanner.Plan(index, problems, byHash, valid);
    }

    private async Task<RepairPushResult> PushAsync(IReadOnlyList<StorePath> roots, IReadOnlySet<StorePath> overwrite, CancellationToken cancellationToken)
    {
        using var daemon = CreateDaemon();
        return await RepairPush.PushAsync(options, new PathFilter(watch), StoreDir, staging, Limits, daemon, roots, overwrite, loggerFactory, cancellationToken);
    }

    private NixDaemonClient CreateDaemon() =>
        new(new NixDaemonClientOptions { StoreDir = StoreDir }, loggerFactory.CreateLogger<NixDaemonClient>());

    /// <summary>The narinfos with a problem and everything that refers to them: their closures are not whole.</summary>
    internal static HashSet<string> Broken(CacheIndex index, List<CacheProblem> problems)
    {
        var broken = problems.Select(p => p.HashPart).ToHashSet(StringComparer.Ordinal);
        var referrers = index.Referrers();
        var stack = new Stack<string>(broken);
        while (stack.TryPop(out string? hash))
        {
            foreach (string referrer in referrers.GetValueOrDefault(hash) ?? [])
            {
                if (broken.Add(referrer))
                {
                    stack.Push(referrer);
                }
            }
        }

        return broken;
    }
}
