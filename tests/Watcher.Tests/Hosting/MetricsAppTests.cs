using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Watcher.Core;
using Watcher.Hosting;

namespace Watcher.Tests.Hosting;

/// <summary>The metrics web server on real loopback sockets.</summary>
public sealed class MetricsAppTests : IDisposable
{
    private readonly MeterProvider _meters = Sdk.CreateMeterProviderBuilder().AddPrometheusExporter().Build();
    private readonly PipelineHealth _health = new(new FakeTimeProvider());

    public void Dispose() => _meters.Dispose();

    [Fact]
    public async Task StartAsync_FreePort_ServesMetricsAndHealthzOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await MetricsApp.StartAsync("127.0.0.1:0", _meters, _health, NullLoggerFactory.Instance, ct);
        var metrics = new Uri(Assert.Single(app.Urls));
        using var http = new HttpClient();

        using var scrape = await http.GetAsync(metrics, ct);
        string healthz = await http.GetStringAsync(new Uri(metrics, "/healthz"), ct);
        using var status = await http.GetAsync(new Uri(metrics, "/status"), ct);

        Assert.Matches(@"^http://127\.0\.0\.1:[1-9][0-9]*/metrics$", metrics.ToString());
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal("ok\n", healthz);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    [Fact]
    public async Task StartAsync_PortAnotherSocketHolds_FailsWithAddressInUse()
    {
        var ct = TestContext.Current.CancellationToken;
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var ex = await Assert.ThrowsAsync<IOException>(() => MetricsApp.StartAsync($"127.0.0.1:{port}", _meters, _health, NullLoggerFactory.Instance, ct));

        Assert.IsType<AddressInUseException>(ex.InnerException);
    }
}
