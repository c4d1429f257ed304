using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Metrics;

/// <summary>
/// Another process holds the metrics port when the daemon starts: the daemon pushes anyway, <c>status</c> says that
/// metrics are not served and why, and once the port is free the daemon takes it.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class MetricsPortTakenTests(NixFixture nix)
{
    [Fact]
    public async Task Run_MetricsPortTakenByAnotherProcess_PushesStatusSaysSoAndMetricsComeOnceItIsFree()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string listen = $"127.0.0.1:{port}";
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile).Replace("listen = \"\"", $"listen = \"{listen}\"", StringComparison.Ordinal));
        await using var daemon = home.Start();
        try
        {
            await daemon.WaitForLogAsync($"cannot serve metrics on {listen}: ", ct);
            await daemon.WaitForLogAsync("start-up scan", ct);
            var outputs = await nix.BuildChainAsync(2, ct);
            await daemon.WaitUntilAsync(() => outputs.All(home.HasNarInfo), "the outputs in the cache while the port is taken", ct);

            var text = await CliAsync(home, ["status"], ct);
            var json = await CliAsync(home, ["status", "--json"], ct);

            Assert.True(text.ExitCode == 0, text.StandardError + text.StandardOutput);
            Assert.Contains($"\nmetrics: NOT serving on {listen} since ", text.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("address already in use (another process holds the port); next try at ", text.StandardOutput, StringComparison.Ordinal);
            var metrics = Metrics(json);
            Assert.Equal(JsonValueKind.Null, metrics.GetProperty("url").ValueKind);
            Assert.Contains("address already in use", metrics.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            taken.Stop();
        }

        await daemon.WaitForLogAsync($"serving metrics on http://{listen}/metrics", ct, TimeSpan.FromSeconds(90));
        using var http = new HttpClient();
        string scrape = await http.GetStringAsync(new Uri($"http://{listen}/metrics"), ct);
        var after = Metrics(await CliAsync(home, ["status", "--json"], ct));

        Assert.Contains("nix_watcher_paths_pushed_total{", scrape, StringComparison.Ordinal);
        Assert.Equal($"http://{listen}/metrics", after.GetProperty("url").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("error").ValueKind);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    private static Task<ProcessResult> CliAsync(DaemonHome home, string[] arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "nix-watcher.dll"), "--config", home.ConfigFile, .. arguments], home.Environment, cancellationToken: cancellationToken);

    private static JsonElement Metrics(ProcessResult status)
    {
        Assert.True(status.ExitCode == 0, status.StandardError + status.StandardOutput);
        using var document = JsonDocument.Parse(status.StandardOutput);
        return document.RootElement.GetProperty("metrics").Clone();
    }
}
