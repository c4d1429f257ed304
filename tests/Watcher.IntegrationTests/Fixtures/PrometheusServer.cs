using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// A real Prometheus (Debian's <c>/usr/bin/prometheus</c>) on a free loopback port, scraping one target every
/// second, with its config and TSDB in a temp directory. Killed, and the directory deleted, on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly List<string> _log = [];

    private PrometheusServer(Process process, string root, Uri endpoint)
    {
        _process = process;
        Root = root;
        Endpoint = endpoint;
        _http = new HttpClient { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Prometheus' own address, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Endpoint { get; }

    public string Root { get; }

    /// <summary>What prometheus printed so far (it logs to stderr), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Starts prometheus scraping <c>http://<paramref name="target"/>/metrics</c> and waits until it is ready.</summary>
    /// <param name="target">The scrape target as <c>host:port</c>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static Task<PrometheusServer> StartAsync(string target, CancellationToken cancellationToken) =>
        StartAsync(target, [], cancellationToken);

    /// <summary>Starts prometheus scraping <c>http://<paramref name="target"/>/metrics</c>, evaluating <paramref name="ruleFiles"/> every second.</summary>
    /// <param name="target">The scrape target as <c>host:port</c>.</param>
    /// <param name="ruleFiles">Absolute paths of rule files to load.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task<PrometheusServer> StartAsync(string target, IReadOnlyList<string> ruleFiles, CancellationToken cancellationToken)
    {
        string root = Directory.CreateTempSubdirectory("watcher-prometheus-").FullName;
        string config = Path.Combine(root, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: [{string.Join(", ", ruleFiles.Select(f => $"'{f}'"))}]
            scrape_configs:
              - job_name: nix-watcher
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target}']
            """, cancellationToken);

        int port = FreePort();
        var psi = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (string argument in new[]
        {
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(root, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
        })
        {
            psi.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = psi };
        var server = new PrometheusServer(process, root, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server.Add(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await server.WaitReadyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs an instant query and returns each series' labels and value; empty while Prometheus has not scraped it yet.
    /// </summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string query, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(query), cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"prometheus answered {(int)response.StatusCode} to '{query}': {body}");
        }

        using var document = JsonDocument.Parse(body);
        var data = document.RootElement.GetProperty("data");
        var series = new List<(IReadOnlyDictionary<string, string>, double)>();
        foreach (var result in data.GetProperty("result").EnumerateArray())
        {
            var labels = result.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty);
            double value = double.Parse(result.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            series.Add((labels, value));
        }

        return series;
    }

    /// <summary>The <c>data</c> of a GET on the HTTP API, e.g. <c>api/v1/rules</c> or <c>api/v1/alerts</c>.</summary>
    public async Task<JsonElement> GetDataAsync(string path, CancellationToken cancellationToken)
    {
        string body = await _http.GetStringAsync(path, cancellationToken);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("data").Clone();
    }

    /// <summary>The health of each scrape target as Prometheus sees it (<c>up</c>, <c>down</c>, <c>unknown</c>) with its last error.</summary>
    public async Task<string> TargetsAsync(CancellationToken cancellationToken) =>
        await _http.GetStringAsync("api/v1/targets", cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        _http.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited ({_process.ExitCode}) before it was ready:\n{Log}");
            }

            try
            {
                using var response = await _http.GetAsync("-/ready", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TestTimeouts.DaemonStart)
            {
                throw new TimeoutException($"prometheus was not ready after {deadline.Elapsed}:\n{Log}");
            }

            // Prometheus is a real process: poll its readiness endpoint until it answers or the deadline above passes.
            await Task.Delay(100, cancellationToken);
        }
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Add(line);
            }
        }
    }
}
