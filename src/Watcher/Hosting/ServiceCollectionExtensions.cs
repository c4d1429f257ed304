using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Caches.Factory;
using Watcher.Config;
using Watcher.Core;
using Watcher.Maintenance;
using Watcher.Metrics;
using Watcher.Pipeline;
using Watcher.Push;
using Watcher.State;
using Watcher.Store;
using Watcher.Watch;

namespace Watcher.Hosting;

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
        services.AddSingleton<IStoreQueries>(sp => sp.GetRequiredService<NixDaemonClient>());
        services.AddSingleton(_ => StateStore.Open(options.StateDir, options.Watch.StoreDir));
        services.AddSingleton(_ => StagingDirectory.In(options.StateDir));
        services.AddSingleton(sp =>
        {
            var state = sp.GetRequiredService<StateStore>();
            var time = sp.GetRequiredService<TimeProvider>();
            return new CacheFactory(sp.GetRequiredService<ILoggerFactory>(), time)
            {
                Limits = sp.GetRequiredService<UploadLimits>(),
                Staging = sp.GetRequiredService<StagingDirectory>(),
                EncoderLogLevel = LogLevel.Information,
                MultipartJournals = cache => state.MultipartJournal(cache, time),
            };
        });
        services.AddSingleton(sp => UploadLimits.From(options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new WatcherMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            () => CacheGaugesOf(sp.GetRequiredService<IReadOnlyList<CacheTarget>>(), sp.GetRequiredService<StateStore>()),
            sp.GetRequiredService<UploadLimits>().Gauges));
        services.AddSingleton<IReadOnlyList<CacheTarget>>(sp =>
        {
            var factory = sp.GetRequiredService<CacheFactory>();
            var metrics = sp.GetRequiredService<WatcherMetrics>();
            return options.Caches.Select(c => CacheTarget.For(c, factory.CreateMetered(c, options.Watch.StoreDir, metrics, breaker: true))).ToList();
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
            t.Activity.LastSuccess,
            state.OldestPending(t.Name),
            t.Options is SignedCacheOptions { Retention: not null } ? state.GetLastCollection(t.Name)?.Problems : null)).ToList();

    /// <summary>
    /// The pipeline: store watcher and start-up scan → discovery queue → planner → per-cache schedulers,
    /// plus systemd notifications. Registration order is start order; the watcher goes first so the
    /// scan never races a build it would not see.
    /// </summary>
    public static IServiceCollection AddWatcherPipeline(this IServiceCollection services)
    {
        services.AddSystemd();
        // No host-imposed limit: the scheduler ends its drain itself once uploads stop moving (SchedulerService.DrainBudget),
        // and systemd's stop timeout, extended only while they move, is the backstop.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<DiscoveryQueue>();
        services.AddSingleton<PipelineHealth>();
        services.AddSingleton<SystemdNotify>();
        services.AddSingleton<IServiceNotify>(sp => sp.GetRequiredService<SystemdNotify>());
        services.AddHostedService<StoreWatcherService>();
        services.AddHostedService<StartupScanService>();
        services.AddHostedService<Planner>();
        services.AddHostedService<SchedulerService>();
        services.AddHostedService(sp => new RetentionService(
            sp.GetRequiredService<WatcherOptions>(),
            sp.GetRequiredService<StateStore>(),
            sp.GetRequiredService<WatcherMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            [.. sp.GetRequiredService<IReadOnlyList<CacheTarget>>().Select(t => t.Cache)]));
        services.AddHostedService<SystemdNotifyService>();
        services.AddHostedService<IdleMemoryTrimmer>();
        services.AddHostedService<UploadLimitReloader>();
        return services;
    }
}
