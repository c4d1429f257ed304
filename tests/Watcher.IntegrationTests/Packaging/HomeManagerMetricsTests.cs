using System.Net;
using System.Text.Json;
using Watcher.Config;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>
/// The home-manager module's metrics-listener options (<c>metrics.enable</c>, <c>metrics.address</c>,
/// <c>metrics.port</c>): what they render into <c>[metrics] listen</c>, what they refuse, and that a daemon started
/// with the rendered config serves <c>/metrics</c> where they say.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class HomeManagerMetricsTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("hm-metrics-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Root => _root.FullName;

    [Theory]
    [InlineData("{ }", "127.0.0.1:9464")]
    [InlineData("{ metrics.port = 9500; }", "127.0.0.1:9500")]
    [InlineData("""{ metrics.address = "0.0.0.0"; metrics.port = 0; }""", "0.0.0.0:0")]
    [InlineData("""{ metrics.address = "::1"; }""", "[::1]:9464")]
    [InlineData("{ metrics.enable = false; }", "")]
    [InlineData("""{ settings.metrics.listen = "127.0.0.1:9999"; }""", "127.0.0.1:9999")]
    public async Task Module_MetricsOptions_RenderTheListenAddressTheLoaderReads(string user, string listen)
    {
        var ct = TestContext.Current.CancellationToken;

        JsonElement result = await HomeManagerEval.EvaluateAsync(user, Root, ct);
        WatcherOptions options = ConfigLoader.Load(result.GetProperty("configFile").GetString()!, WatcherHome.IsolatedEnvironment(Root));

        Assert.Equal(listen, options.Metrics.Listen);
    }

    [Fact]
    public async Task Module_MetricsPortOutOfRange_FailsEvaluation()
    {
        var ct = TestContext.Current.CancellationToken;

        var result = await HomeManagerEval.RunAsync("{ metrics.port = 70000; }", Root, ct);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("option `services.nix-watcher.metrics.port' is not of type `16 bit unsigned integer", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Module_ListenInSettingsAndMetricsOptions_FailsEvaluation()
    {
        var ct = TestContext.Current.CancellationToken;

        var result = await HomeManagerEval.RunAsync("""{ metrics.port = 9500; settings.metrics.listen = "127.0.0.1:9999"; }""", Root, ct);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("settings.metrics.listen and services.nix-watcher.metrics.* both set the metrics listener", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Module_RenderedConfig_DaemonServesMetricsAndHealthzOnTheConfiguredPort()
    {
        var ct = TestContext.Current.CancellationToken;
        var (key, text) = Watcher.Nix.NixSecretKey.Generate("hm-metrics-1");
        key.Dispose();
        await File.WriteAllTextAsync(Path.Combine(Root, "signing.key"), text, ct);
        int port = S3rver.ClosedPort();
        string user = $$"""
            {
              settings = {
                state-dir = "{{Root}}/state";
                watch = { scan = "none"; roots = [ ]; };
                caches.local = { type = "file"; path = "{{Root}}/cache"; signing-key-file = "{{Root}}/signing.key"; };
              };
              metrics.port = {{port}};
            }
            """;
        JsonElement result = await HomeManagerEval.EvaluateAsync(user, Root, ct);

        await using var daemon = WatcherDaemon.Start(result.GetProperty("configFile").GetString()!, WatcherHome.IsolatedEnvironment(Root));
        await daemon.WaitForLogAsync($"serving metrics on http://127.0.0.1:{port}/metrics", ct, TestTimeouts.DaemonStart);
        await daemon.WaitForLogAsync("start-up scan", ct);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        string metrics = await http.GetStringAsync("metrics", ct);
        using var healthz = await http.GetAsync("healthz", ct);

        Assert.Contains("nix_watcher_queue_depth{", metrics, StringComparison.Ordinal);
        Assert.Contains("cache=\"local\"", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }
}
