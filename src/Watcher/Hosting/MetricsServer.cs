using Microsoft.AspNetCore.Connections;
using OpenTelemetry.Metrics;
using Watcher.Config;
using Watcher.Core;

namespace Watcher.Hosting;

/// <summary>
/// Serves <c>[metrics] listen</c> (a <see cref="MetricsApp"/>) and keeps trying when it cannot: a port another process
/// holds, or an address not up yet, is logged, shown by <c>nix-watcher status</c> (<see cref="Status"/>) and tried
/// again, from <see cref="FirstRetry"/> doubling to <see cref="MaxRetry"/>, while the daemon goes on pushing.
/// </summary>
/// <remarks>
/// The listener used to be part of the daemon's own web host, so a taken port aborted the whole daemon at start. Any
/// local user can bind a free port first; Watcher cannot prevent that, only say so (docs/operations.md).
/// </remarks>
internal sealed partial class MetricsServer : BackgroundService
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(60);

    private readonly string _listen;
    private readonly Func<CancellationToken, Task<(IReadOnlyList<string> Urls, IAsyncDisposable Server)>>? _start;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile MetricsStatus? _status;

    public MetricsServer(WatcherOptions options, MeterProvider meterProvider, PipelineHealth health, ILoggerFactory loggerFactory, TimeProvider time)
        : this(
            options.Metrics.Listen,
            options.Metrics.Enabled ? async ct => Started(await MetricsApp.StartAsync(options.Metrics.Listen, meterProvider, health, loggerFactory, ct)) : null,
            time,
            loggerFactory.CreateLogger<MetricsServer>())
    {
    }

    /// <param name="listen">The configured address, for messages.</param>
    /// <param name="start">Starts the server and returns its URLs and how to stop it; null when metrics are off.</param>
    /// <param name="time">The clock of the retry delays.</param>
    /// <param name="logger">Says where it serves, or why not.</param>
    internal MetricsServer(string listen, Func<CancellationToken, Task<(IReadOnlyList<string> Urls, IAsyncDisposable Server)>>? start, TimeProvider time, ILogger logger)
    {
        _listen = listen;
        _start = start;
        _time = time;
        _logger = logger;
    }

    /// <summary>Where metrics are served, or why not; null when they are turned off or not tried yet.</summary>
    public MetricsStatus? Status => _status;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_start is null)
        {
            return;
        }

        var delay = FirstRetry;
        DateTimeOffset? failingSince = null;
        string? lastError = null;
        while (true)
        {
            (IReadOnlyList<string> Urls, IAsyncDisposable Server) started;
            try
            {
                started = await _start(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                failingSince ??= now;
                string error = Describe(ex);
                if (error != lastError)
                {
                    Log.CannotListen(_logger, _listen, error);
                }
                else
                {
                    Log.StillCannotListen(_logger, _listen, error, delay);
                }

                lastError = error;
                _status = new MetricsStatus(_listen, null, error, failingSince, now + delay);
                await Task.Delay(delay, _time, stoppingToken);
                delay = delay * 2 < MaxRetry ? delay * 2 : MaxRetry;
                continue;
            }

            await using (started.Server)
            {
                _status = new MetricsStatus(_listen, string.Join(", ", started.Urls), null, null, null);
                foreach (string url in started.Urls)
                {
                    Log.Listening(_logger, url);
                }

                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    // Stopping.
                }
            }

            return;
        }
    }

    private static (IReadOnlyList<string> Urls, IAsyncDisposable Server) Started(MetricsApp app) => (app.Urls, app);

    private static string Describe(Exception ex) => ex is AddressInUseException || ex.InnerException is AddressInUseException
        ? $"{ex.Message.TrimEnd('.')} (another process holds the port)"
        : ex.Message.TrimEnd('.');

    private static partial class Log
    {
        [LoggerMessage(EventId = 511, EventName = "MetricsListening", Level = LogLevel.Information, Message = "serving metrics on {Url}")]
        public static partial void Listening(ILogger logger, string url);

        [LoggerMessage(EventId = 520, EventName = "MetricsCannotListen", Level = LogLevel.Warning, Message = "cannot serve metrics on {Listen}: {Error}; pushing goes on, and the listener tries again (nix-watcher status shows it)")]
        public static partial void CannotListen(ILogger logger, string listen, string error);

        [LoggerMessage(EventId = 521, EventName = "MetricsStillCannotListen", Level = LogLevel.Debug, Message = "still cannot serve metrics on {Listen}: {Error}; next try in {Delay}")]
        public static partial void StillCannotListen(ILogger logger, string listen, string error, TimeSpan delay);
    }
}
