using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// A running <c>nix-watcher run</c> process (or a one-shot command, <see cref="StartCommand"/>): its log lines, and ways
/// to wait for them, stop it with SIGTERM or kill it with SIGKILL. Killed on dispose.
/// </summary>
public sealed partial class WatcherDaemon : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _stdout = new();

    private WatcherDaemon(Process process)
    {
        _process = process;
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>stdout and stderr, as they came.</summary>
    public string Log => string.Join('\n', _lines);

    /// <summary>stdout alone.</summary>
    public string StandardOutput => string.Join('\n', _stdout);

    /// <summary>
    /// Starts the daemon with a config file; <paramref name="runAs"/> runs it as another user via setpriv,
    /// which execs in place, so signals reach the daemon itself.
    /// </summary>
    public static WatcherDaemon Start(string configFile, IDictionary<string, string?> environment, string? runAs = null) =>
        Launch(["--config", configFile, "run"], environment, runAs);

    /// <summary>Starts <c>nix-watcher</c> with <paramref name="arguments"/> (a one-shot command, to signal while it works).</summary>
    public static WatcherDaemon StartCommand(IEnumerable<string> arguments, IDictionary<string, string?> environment) =>
        Launch(arguments, environment, runAs: null);

    private static WatcherDaemon Launch(IEnumerable<string> arguments, IDictionary<string, string?> environment, string? runAs)
    {
        IReadOnlyList<string> command = WatcherExecutable.CommandLine;
        var psi = new ProcessStartInfo(runAs is null ? command[0] : "setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (runAs is not null)
        {
            foreach (string arg in new[] { $"--reuid={runAs}", $"--regid={runAs}", "--init-groups", "env" }.Concat(environment.Where(e => e.Value is not null).Select(e => $"{e.Key}={e.Value}")).Append(command[0]))
            {
                psi.ArgumentList.Add(arg);
            }
        }

        foreach (string arg in command.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (string arg in arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["NIX_REMOTE"] = "daemon";
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        var process = new Process { StartInfo = psi };
        var daemon = new WatcherDaemon(process);
        process.OutputDataReceived += (_, e) => daemon.Add(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => daemon.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    /// <summary>Waits until a log line contains <paramref name="text"/>.</summary>
    public Task WaitForLogAsync(string text, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => _lines.Any(l => l.Contains(text, StringComparison.Ordinal)), $"log line '{text}'", cancellationToken, timeout);

    /// <summary>The <c>/metrics</c> URL from the "serving metrics on" log line (with <c>listen = "127.0.0.1:0"</c> the port is picked at start).</summary>
    public async Task<Uri> MetricsEndpointAsync(CancellationToken cancellationToken)
    {
        await WaitForLogAsync("serving metrics on http://127.0.0.1:", cancellationToken, TestTimeouts.DaemonStart);
        var match = MetricsUrl().Match(Log);
        Assert.True(match.Success, Log);
        int port = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
        Assert.NotEqual(0, port);
        return new Uri($"http://127.0.0.1:{port}/metrics");
    }

    /// <summary>The sum of every series of <paramref name="metric"/> (with <paramref name="label"/>, e.g. <c>reason="damaged"</c>) in one scrape.</summary>
    public static async Task<double> ScrapeAsync(Uri metricsUrl, string metric, CancellationToken cancellationToken, string? label = null)
    {
        using var http = new HttpClient();
        string text = await http.GetStringAsync(metricsUrl, cancellationToken);
        return text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(l => label is null || l[..l.LastIndexOf(' ')].Contains(label, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>Polls <paramref name="condition"/> until true; fails with the daemon's log if the daemon dies or time runs out.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nix-watcher exited ({_process.ExitCode}) while waiting for {what}:\n{Log}");
            }

            if (deadline.Elapsed > (timeout ?? TestTimeouts.DaemonWork))
            {
                throw new TimeoutException($"waited {deadline.Elapsed} for {what}:\n{Log}");
            }

            // The daemon is a real process that signals nothing the test can await: poll, bounded by the deadline above.
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>SIGTERM, then waits for the exit code.</summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken)
    {
        await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], cancellationToken: cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TestTimeouts.DaemonStop);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for the process to end on its own (within <see cref="TestTimeouts.DaemonStop"/>) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TestTimeouts.DaemonStop);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends a signal by name (<c>STOP</c>, <c>CONT</c>, …) to the daemon.</summary>
    public async Task SignalAsync(string signal, CancellationToken cancellationToken) =>
        (await ProcessRunner.RunAsync("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)], cancellationToken: cancellationToken)).EnsureSuccess("kill -" + signal);

    /// <summary>SIGKILL, as a crash would.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(string? line, bool stdout = false)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
            if (stdout)
            {
                _stdout.Enqueue(line);
            }
        }
    }

    [GeneratedRegex(@"serving metrics on http://127\.0\.0\.1:(?<port>\d+)/metrics")]
    private static partial Regex MetricsUrl();
}
