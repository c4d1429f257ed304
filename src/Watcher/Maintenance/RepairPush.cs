using Watcher.Config;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.Store;
using Watcher.Upload;
using Watcher.Upload.Resilience;

namespace Watcher.Maintenance;

/// <summary>
/// The one place where <c>verify --repair</c> pushes: the closures of the given paths go up as <c>nix-watcher push</c>
/// sends them (references first, NAR before narinfo, the one-shot retry policy), with the damaged ones pushed even
/// though a narinfo for them exists.
/// </summary>
internal static class RepairPush
{
    /// <returns>The outcome for each path of the closures.</returns>
    public static async Task<IReadOnlyDictionary<StorePath, PathOutcome>> PushAsync(
        CacheOptions options,
        string storeDir,
        NixDaemonClient daemon,
        IReadOnlyList<StorePath> roots,
        IReadOnlySet<StorePath> overwrite,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("Watcher.Repair");
        using var factory = new CacheFactory(loggerFactory) { CreateMissingKeys = false };
        using var meters = new PrivateMeterFactory();
        var cache = ResilientCache.Create(factory.Create(options, storeDir), ResilienceOptions.OneShot, new WatcherMetrics(meters), TimeProvider.System, logger);
        var closure = await daemon.QueryClosureAsync(roots, cancellationToken);
        var session = new PushSession(new ForcedMissingCache(cache, overwrite), new StoreNarSource(daemon), options.Jobs, logger) { SkipSignedBy = options.SkipSignedBy };
        return await session.PushAsync(closure, cancellationToken);
    }
}
