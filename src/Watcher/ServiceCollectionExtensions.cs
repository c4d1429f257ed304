using Watcher.Config;
using Watcher.Hosting;
using Watcher.Metrics;
using Watcher.Pipeline;
using Watcher.State;
using Watcher.Store;
using Watcher.Upload;
using Watcher.Upload.Resilience;
using Watcher.Watch;

namespace Watcher;

/// <summary>The daemon's wiring, one method per feature.</summary>
internal static class ServiceCollectionExtensions
{
    /// <summary>Options, clock, daemon client, state, metrics, caches (each behind its retry policy).</summary>
    public static IServiceCollection AddWatcherCore(this IServiceCollection services, WatcherOptions options)
    {
        services.AddMetrics();
        services.AddSingleton(options);
        services.AddSingleton(options.Watch);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new NixDaemonClient(
            new NixDaemonClientOptions { StoreDir = options.Watch.StoreDir },
            sp.GetRequiredService<ILogger<NixDaemonClient>>()));
        services.AddSingleton(_ => StateStore.Open(options.StateDir));
        services.AddSingleton(_ => StagingDirectory.In(options.StateDir));
        services.AddSingleton(sp => new CacheFactory(sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>())
        {
            Staging = sp.GetRequiredService<StagingDirectory>(),
        });
        services.AddSingleton(new ResilienceOptions());
        services.AddSingleton(sp => new WatcherMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            () => CacheGaugesOf(sp.GetRequiredService<IReadOnlyList<CacheTarget>>(), sp.GetRequiredService<StateStore>())));
        services.AddSingleton<IReadOnlyList<CacheTarget>>(sp =>
        {
            var factory = sp.GetRequiredService<CacheFactory>();
            var resilience = sp.GetRequiredService<ResilienceOptions>();
            var metrics = sp.GetRequiredService<WatcherMetrics>();
            var time = sp.GetRequiredService<TimeProvider>();
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger<CachePolicy>();
            return options.Caches.Select(c =>
            {
                var cache = ResilientCache.Create(factory.Create(c, options.Watch.StoreDir), resilience, metrics, time, logger);
                return new CacheTarget(c, cache, cache.Activity);
            }).ToList();
        });
        services.AddSingleton<INarSource>(sp => new StoreNarSource(sp.GetRequiredService<NixDaemonClient>()));
        return services;
    }

    private static List<CacheGauges> CacheGaugesOf(IReadOnlyList<CacheTarget> targets, StateStore state) =>
        targets.Select(t => new CacheGauges(
            t.Name,
            state.CountPending(t.Name),
            state.CountDeadLetters(t.Name),
            t.Activity.Circuit != CircuitState.Closed,
            t.Activity.LastSuccess)).ToList();

    /// <summary>
    /// The pipeline: store watcher and start-up scan → discovery queue → planner → per-cache schedulers,
    /// plus systemd notifications. Registration order is start order; the watcher goes first so the
    /// scan never races a build it would not see.
    /// </summary>
    public static IServiceCollection AddWatcherPipeline(this IServiceCollection services)
    {
        services.AddSystemd();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        services.AddSingleton<DiscoveryQueue>();
        services.AddSingleton<PipelineHealth>();
        services.AddSingleton<SystemdNotify>();
        services.AddHostedService<StoreWatcherService>();
        services.AddHostedService<StartupScanService>();
        services.AddHostedService<Planner>();
        services.AddHostedService<SchedulerService>();
        services.AddHostedService<SystemdNotifyService>();
        services.AddHostedService<IdleMemoryTrimmer>();
        return services;
    }
}
