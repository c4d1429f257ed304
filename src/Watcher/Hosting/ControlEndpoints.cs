using System.Net;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Watcher.Config;
using Watcher.Metrics;
using Watcher.Pipeline;
using Watcher.State;

namespace Watcher.Hosting;

/// <summary>
/// The daemon's HTTP endpoints. On <c>[metrics] listen</c> (loopback by default): <c>/metrics</c> for
/// Prometheus and <c>/healthz</c>. On the owner-only control socket in the state directory, also
/// <c>/status</c> and <c>/retry</c> for <c>nix-watcher status</c> and <c>retry</c>.
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
        webHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.ListenUnixSocket(ControlSocket.PathIn(options.StateDir));
            if (options.Metrics.Enabled)
            {
                var (host, port) = SplitHostPort(options.Metrics.Listen);
                if (host == "localhost")
                {
                    kestrel.ListenLocalhost(port);
                }
                else
                {
                    foreach (var address in IPAddress.TryParse(host, out var ip) ? [ip] : Dns.GetHostAddresses(host))
                    {
                        kestrel.Listen(address, port);
                    }
                }
            }
        });
        return services;
    }

    public static void MapWatcherEndpoints(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", (PipelineHealth health) => health.Problems() is { Count: > 0 } problems
            ? Results.Text("unhealthy: " + string.Join(", ", problems.Select(health.Describe)) + "\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok\n"));
        app.MapGet("/status", (HttpContext context, WatcherOptions options, StateStore state, IReadOnlyList<CacheTarget> targets, PipelineHealth health) => OnControlSocket(context)
            ? Results.Json(
                StatusReport.Build(options, state, name => targets.FirstOrDefault(t => t.Name == name)?.Activity, daemon: true, [.. health.Problems().Select(health.Describe)]),
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
    }

    /// <summary>Unix-socket connections have no IP addresses.</summary>
    private static bool OnControlSocket(HttpContext context) => context.Connection.RemoteIpAddress is null && context.Connection.LocalIpAddress is null;

    private static (string Host, int Port) SplitHostPort(string listen)
    {
        int colon = listen.LastIndexOf(':');
        return (listen[..colon].Trim('[', ']'), int.Parse(listen.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 510, EventName = "DeadLettersRequeued", Level = LogLevel.Information, Message = "requeued {Count} dead letters for {Cache} on request")]
        public static partial void Requeued(ILogger logger, int count, string cache);
    }
}
