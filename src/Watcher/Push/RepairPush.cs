using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Caches.Factory;
using Watcher.Config;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Push;

/// <summary>
/// The one place where <c>verify --repair</c> pushes: the closures of the given paths go up as <c>nix-watcher push</c>
/// sends them (the same <see cref="PushPlan"/> with its <c>exclude</c> and <c>skip-derivations</c>, one
/// <see cref="PushRound"/> holding them as temporary GC roots, the cache's retry policy without a breaker), with the
/// damaged ones pushed even though a narinfo for them exists: its journal is the forced-missing set.
/// </summary>
internal static class RepairPush
{
    /// <returns>The outcome for each path of the closures, and the roots the filter keeps out.</returns>
    public static async Task<RepairPushResult> PushAsync(
        CacheOptions options,
        PathFilter filter,
        string storeDir,
        StagingDirectory staging,
        UploadLimits? limits,
        NixDaemonClient daemon,
        IReadOnlyList<StorePath> roots,
        IReadOnlySet<StorePath> overwrite,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        using var factory = new CacheFactory(loggerFactory) { CreateMissingKeys = false, Staging = staging, Limits = limits };
        using var meters = new PrivateMeterFactory();
        var cache = factory.CreateMetered(options, storeDir, new WatcherMetrics(meters), breaker: false);
        await cache.InitializeAsync(cancellationToken);
        var session = new PushSession(new ForcedMissingCache(cache, overwrite), new StoreNarSource(daemon), options.Jobs, options.SkipSignedBy, loggerFactory.CreateLogger("Watcher.Repair"));
        return await PushAsync(session, filter, daemon, roots, cancellationToken);
    }

    /// <summary>Plans the closures of <paramref name="roots"/> through <paramref name="filter"/> and pushes them with <paramref name="session"/>.</summary>
    /// <returns>The outcome for each path of the closures (a root no longer valid fails), and the roots the filter keeps out.</returns>
    internal static async Task<RepairPushResult> PushAsync(PushSession session, PathFilter filter, IStoreQueries store, IReadOnlyList<StorePath> roots, CancellationToken cancellationToken)
    {
        var plan = await PushPlan.CreateAsync(roots, store, filter, cancellationToken);
        var outcomes = await new PushRound(store).PushAsync(session, plan.Closure, [], cancellationToken);
        foreach (var invalid in plan.Invalid)
        {
            outcomes[invalid] = new PathOutcome(PathOutcomeKind.Failed, "no longer valid in the local store");
        }

        var excluded = roots.Where(plan.Excluded.ContainsKey).Distinct().ToDictionary(r => r, r => plan.Excluded[r]);
        return new RepairPushResult(outcomes, excluded);
    }
}
