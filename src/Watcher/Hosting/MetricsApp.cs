using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenTelemetry.Metrics;
using Watcher.Core;

namespace Watcher.Hosting;

/// <summary>
/// The HTTP server of <c>[metrics] listen</c>: <c>/metrics</c> for Prometheus and <c>/healthz</c>, nothing else. It is
/// a small web application of its own beside the daemon's, so that a port it cannot have fails only this server (see
/// <see cref="MetricsServer"/>), never the daemon or its control socket.
/// </summary>
internal sealed class MetricsApp : IAsyncDisposable
{
    /// <summary>How long a stop waits for scrapes in progress.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;

    private MetricsApp(WebApplication app, IReadOnlyList<string> urls)
    {
        _app = app;
        Urls = urls;
    }

    /// <summary>The scrape URLs, with the port the system picked for port 0.</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>Listens on <paramref name="listen"/> (<c>host:port</c>) and serves the metrics of <paramref name="meterProvider"/>.</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, not local, not permitted).</exception>
    public static async Task<MetricsApp> StartAsync(string listen, MeterProvider meterProvider, PipelineHealth health, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "nix-watcher" });

        // The daemon's logging, less this host's own report of a failed start (MetricsServer says it in one line),
        // and no lifetime of its own: signals and shutdown belong to the daemon's host.
        builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime>(new BorrowedLifetime());
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => Listen(kestrel, listen));
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider, configureBranchedPipeline: null!, optionsName: null!);
        app.MapGet("/healthz", () => health.Problems() is { Count: > 0 } problems
            ? Results.Text("unhealthy: " + string.Join(", ", problems.Select(health.Describe)) + "\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok\n"));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return new MetricsApp(app, addresses.Select(a => a.TrimEnd('/') + "/metrics").ToList());
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
    }

    private static void Listen(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, string listen)
    {
        int colon = listen.LastIndexOf(':');
        string host = listen[..colon].Trim('[', ']');
        int port = int.Parse(listen.AsSpan(colon + 1), CultureInfo.InvariantCulture);
        if (host == "localhost")
        {
            kestrel.ListenLocalhost(port);
            return;
        }

        foreach (var address in IPAddress.TryParse(host, out var ip) ? [ip] : Dns.GetHostAddresses(host))
        {
            kestrel.Listen(address, port);
        }
    }

    /// <summary>Hands every logger to the daemon's logger factory.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
            // The daemon's factory is the daemon's to dispose.
        }
    }

    /// <summary>A host lifetime that waits for nothing and handles no signal.</summary>
    private sealed class BorrowedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
