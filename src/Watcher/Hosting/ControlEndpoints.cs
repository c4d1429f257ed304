using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Watcher.Config;
using Watcher.Metrics;
using Watcher.Pipeline;
using Watcher.State;
using Watcher.Upload.Bandwidth;

namespace Watcher.Hosting;

/// <summary>
/// The daemon's HTTP endpoints: on the owner-only control socket in the state directory, <c>/status</c> and
/// <c>/retry</c> for <c>nix-watcher status</c> and <c>retry</c>, <c>/limit</c> for <c>nix-watcher limit</c>. <c>/metrics</c> and <c>/healthz</c> are served on
/// <c>[metrics] listen</c> by a server of their own (<see cref="MetricsServer"/>).
/// </summary>
/// <remarks>
/// Status and retry are served on the unix socket only: its file permissions decide who may ask, so
/// nothing on the network can read the dead-letter paths or requeue work.
/// </remarks>
internal static partial class ControlEndpoints
{
    public static IServiceCollection AddWatcherEndpoints(this IServiceCollection services, IWebHostBuilder webHost, WatcherOptions options)
    {
        services.AddRoutingCore();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("nix-watcher", serviceVersion: StatusReport.CurrentVersion, autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics => metrics
            .AddMeter(WatcherMetrics.MeterName)
            .AddPrometheusExporter());
        services.AddSingleton<MetricsServer>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsServer>());
        webHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(ControlSocket.PathIn(options.StateDir)));
        return services;
    }

    public static void MapWatcherEndpoints(this WebApplication app)
    {
        app.MapGet("/status", (HttpContext context, WatcherOptions options, StateStore state, IReadOnlyList<CacheTarget> targets, PipelineHealth health, MetricsServer metrics, UploadLimits limits, TimeProvider time) => OnControlSocket(context)
            ? Results.Json(
                StatusReport.Build(options, state, name => targets.FirstOrDefault(t => t.Name == name)?.Activity, daemon: true, time.GetUtcNow(), [.. health.Problems().Select(health.Describe)], metrics.Status, limits),
                StatusJsonContext.Default.StatusReport)
            : Results.NotFound());
        app.MapPost("/retry", (HttpContext context, string? cache, StateStore state, IReadOnlyList<CacheTarget> targets, TimeProvider time, ILogger<StatusReport> logger) =>
        {
            if (!OnControlSocket(context))
            {
                return Results.NotFound();
            }

            int requeued = state.RequeueDeadLetters(time.GetUtcNow(), cache);
            Log.Requeued(logger, requeued, cache ?? "every cache");
            foreach (var target in targets.Where(t => cache is null || t.Name == cache))
            {
                target.Wake();
            }

            return Results.Json(new RetryResult(requeued), StatusJsonContext.Default.RetryResult);
        });
        app.MapPost("/limit", (HttpContext context, string? rate, string? cache, UploadLimits limits, ILogger<UploadLimits> logger) =>
            OnControlSocket(context) ? LimitEndpoint.Set(rate, cache, limits, logger) : Results.NotFound());
    }

    /// <summary>Unix-socket connections have no IP addresses.</summary>
    private static bool OnControlSocket(HttpContext context) => context.Connection.RemoteIpAddress is null && context.Connection.LocalIpAddress is null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 510, EventName = "DeadLettersRequeued", Level = LogLevel.Information, Message = "requeued {Count} dead letters for {Cache} on request")]
        public static partial void Requeued(ILogger logger, int count, string cache);
    }
}
