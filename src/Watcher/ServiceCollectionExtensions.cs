using Watcher.Config;
using Watcher.Hosting;
using Watcher.Pipeline;
using Watcher.State;
using Watcher.Store;
using Watcher.Upload;
using Watcher.Watch;

namespace Watcher;

/// <summary>The daemon's wiring, one method per feature.</summary>
internal static class ServiceCollectionExtensions
{
    /// <summary>Options, clock, daemon client, state, caches.</summary>
    public static IServiceCollection AddWatcherCore(this IServiceCollection services, WatcherOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(options.Watch);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new NixDaemonClient(
            new NixDaemonClientOptions { StoreDir = options.Watch.StoreDir },
            sp.GetRequiredService<ILogger<NixDaemonClient>>()));
        services.AddSingleton(_ => StateStore.Open(options.StateDir));
        services.AddSingleton<CacheFactory>();
        services.AddSingleton<IReadOnlyList<CacheTarget>>(sp =>
        {
            var factory = sp.GetRequiredService<CacheFactory>();
            return options.Caches.Select(c => new CacheTarget(c, factory.Create(c, options.Watch.StoreDir))).ToList();
        });
        services.AddSingleton<INarSource>(sp => new StoreNarSource(sp.GetRequiredService<NixDaemonClient>()));
        return services;
    }

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
        return services;
    }
}
