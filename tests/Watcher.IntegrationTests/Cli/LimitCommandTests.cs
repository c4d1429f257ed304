using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// The daemon's <c>max-upload-rate</c> changes while it runs: <c>nix-watcher limit RATE</c> through the control socket,
/// and the config file read again on <c>SIGHUP</c>; <c>status</c> and the gauge show the limit in force.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class LimitCommandTests
{
    private const string Gauge = "nix_watcher_upload_rate_limit_bytes_per_second";

    [Fact]
    public async Task Limit_LimitCommandThenSighup_ChangeTheRateInForceWithoutARestart()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        WriteConfig(home, "\"1 MiB/s\"");
        await using var daemon = home.Start();
        await daemon.WaitForLogAsync("watching ", ct, TestTimeouts.DaemonStart);
        var metrics = await daemon.MetricsEndpointAsync(ct);
        Assert.Equal(1L << 20, await LimitInForceAsync(home, ct));
        Assert.Equal(1L << 20, await GaugeAsync(metrics, 1L << 20, ct));

        var limit = await CliAsync(home, ["limit", "2 MiB/s"], ct);

        Assert.True(limit.ExitCode == 0, limit.StandardError + limit.StandardOutput);
        Assert.Contains("max-upload-rate of all caches: 2 MiB/s", limit.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2L << 20, await LimitInForceAsync(home, ct));
        Assert.Equal(2L << 20, await GaugeAsync(metrics, 2L << 20, ct));
        var shown = await CliAsync(home, ["limit"], ct);
        Assert.Contains("all caches: 2 MiB/s", shown.StandardOutput, StringComparison.Ordinal);

        WriteConfig(home, "\"3 MiB/s\"", jobs: 2);
        await daemon.SignalAsync("HUP", ct);
        await daemon.WaitForLogAsync("config read again (SIGHUP): max-upload-rate 3 MiB/s", ct);

        Assert.Equal(3L << 20, await LimitInForceAsync(home, ct));
        Assert.Equal(3L << 20, await GaugeAsync(metrics, 3L << 20, ct));
        await daemon.WaitForLogAsync("the config also changed in [watch]", ct);
        var text = await CliAsync(home, ["status"], ct);
        Assert.Contains("upload limit: 3 MiB/s", text.StandardOutput, StringComparison.Ordinal);

        // "auto" starts low and finds its rate while uploading.
        var auto = await CliAsync(home, ["limit", "auto"], ct);
        Assert.True(auto.ExitCode == 0, auto.StandardError + auto.StandardOutput);
        Assert.Contains("max-upload-rate of all caches: auto, 256 KiB/s now", auto.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(256L << 10, await GaugeAsync(metrics, 256L << 10, ct));

        // A config that no longer loads changes nothing; the daemon carries on.
        WriteConfig(home, "\"fast\"");
        await daemon.SignalAsync("HUP", ct);
        await daemon.WaitForLogAsync("not applied", ct);
        Assert.Contains("'max-upload-rate' must be", daemon.Log, StringComparison.Ordinal);
        Assert.Equal(256L << 10, await GaugeAsync(metrics, 256L << 10, ct));

        Assert.False(daemon.HasExited);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Theory]
    [InlineData(new[] { "limit", "fast" }, "the rate must be")]
    [InlineData(new[] { "limit", "--cache", "local", "1M" }, "no S3 or Attic cache named 'local'")]
    [InlineData(new[] { "push", "--max-upload-rate", "08:00,1M 07:00,off", "/nix/store/00000000000000000000000000000000-x" }, "--max-upload-rate must be a rate such as")]
    public async Task Limit_BadArguments_ExitWithUsageError(string[] arguments, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();

        var result = await CliAsync(home, arguments, ct);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limit_NoDaemon_ExitsOneAndSaysSo()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();

        var result = await CliAsync(home, ["limit", "1M"], ct);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the daemon is not running", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>
    /// The gauge once it shows <paramref name="expected"/>, or its last value when a minute passed without: the exporter
    /// answers scrapes within 300 ms of each other from its cache, so a change can take that long to show.
    /// </summary>
    private static async Task<double> GaugeAsync(Uri metrics, long expected, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        double value;
        while ((value = await WatcherDaemon.ScrapeAsync(metrics, Gauge, cancellationToken)) != expected && waited.Elapsed < TestTimeouts.Scrape)
        {
            // The daemon process's exporter answers from its cache: scrape again, bounded by TestTimeouts.Scrape.
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        return value;
    }

    /// <summary>The home's config with a top-level <c>max-upload-rate</c> and metrics on a port of its own.</summary>
    private static void WriteConfig(DaemonHome home, string rate, int jobs = 4) => File.WriteAllText(home.ConfigFile, $"""
        max-upload-rate = {rate}
        state-dir = "{home.Root}/state"
        [watch]
        scan = "none"
        roots = []
        jobs = {jobs}
        [caches.local]
        type = "file"
        path = "{home.CacheDir}"
        signing-key-file = "{home.Root}/secret.key"
        [metrics]
        listen = "127.0.0.1:0"
        """);

    private static async Task<long?> LimitInForceAsync(DaemonHome home, CancellationToken cancellationToken)
    {
        var status = await CliAsync(home, ["status", "--json"], cancellationToken);
        Assert.True(status.ExitCode == 0, status.StandardError + status.StandardOutput);
        using var document = JsonDocument.Parse(status.StandardOutput);
        var limit = document.RootElement.GetProperty("upload_limit").GetProperty("bytes_per_second");
        return limit.ValueKind == JsonValueKind.Null ? null : limit.GetInt64();
    }

    private static Task<ProcessResult> CliAsync(DaemonHome home, string[] arguments, CancellationToken cancellationToken) =>
        WatcherExecutable.RunAsync(["--config", home.ConfigFile, .. arguments], home.Environment, cancellationToken);
}
