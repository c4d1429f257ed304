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
/// sends them (references first, NAR before narinfo, the cache's retry policy without a breaker), with the damaged ones pushed even
/// though a narinfo for them exists.
/// </summary>
internal static class RepairPush
{
    /// <returns>The outcome for each path of the closures.</returns>
    public static async Task<IReadOnlyDictionary<StorePath, PathOutcome>> PushAsync(
        CacheOptions options,
        string storeDir,
        StagingDirectory staging,
        UploadLimits? limits,
        NixDaemonClient daemon,
        IReadOnlyList<StorePath> roots,
        IReadOnlySet<StorePath> overwrite,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("Watcher.Repair");
        using var factory = new CacheFactory(loggerFactory) { CreateMissingKeys = false, Staging = staging, Limits = limits };
        using var meters = new PrivateMeterFactory();
        var cache = factory.CreateMetered(options, storeDir, new WatcherMetrics(meters), breaker: false);
        await cache.InitializeAsync(cancellationToken);
        var closure = await daemon.QueryClosureAsync(roots, cancellationToken);
        var session = new PushSession(new ForcedMissingCache(cache, overwrite), new StoreNarSource(daemon), options.Jobs, options.SkipSignedBy, logger);
        return await session.PushAsync(closure, cancellationToken);
    }
}
