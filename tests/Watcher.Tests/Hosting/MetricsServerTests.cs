using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Watcher.Hosting;
using Watcher.Tests.Store;

namespace Watcher.Tests.Hosting;

/// <summary>The metrics listener retries a taken port, says so in its status, and never fails the host.</summary>
public sealed class MetricsServerTests
{
    private const string Listen = "127.0.0.1:9464";
    private const string Url = "http://127.0.0.1:9464/metrics";

    private readonly ArmedTimeProvider _time = new();
    private readonly ListLogger _logger = new();
    private readonly List<DateTimeOffset> _attempts = [];
    private int _failures;
    private bool _stopped;

    [Fact]
    public async Task ExecuteAsync_PortTakenTwice_RetriesAfterDoublingDelaysThenServesAndStatusFollows()
    {
        var ct = TestContext.Current.CancellationToken;
        _failures = 2;
        using var server = new MetricsServer(Listen, StartAsync, _time, _logger);

        await server.StartAsync(ct);

        // Each failed attempt arms the wait before the next: the clock moves on exactly to it.
        await _time.WaitForTimersAsync();
        var first = server.Status!;
        Assert.Equal(MetricsServer.FirstRetry, await _time.AdvanceToNextTimerAsync());
        Assert.Equal(2 * MetricsServer.FirstRetry, await _time.AdvanceToNextTimerAsync());
        await Poll.UntilAsync(() => server.Status?.Url is not null, "the server serves");
        var serving = server.Status!;
        await server.StopAsync(ct);

        Assert.Null(first.Url);
        Assert.Equal(Listen, first.Listen);
        Assert.Equal("Failed to bind to address http://127.0.0.1:9464: address already in use (another process holds the port)", first.Error);
        Assert.Equal(_attempts[0], first.FailingSince);
        Assert.Equal(first.FailingSince + MetricsServer.FirstRetry, first.NextAttempt);
        Assert.Equal(3, _attempts.Count);
        Assert.Equal(MetricsServer.FirstRetry, _attempts[1] - _attempts[0]);
        Assert.Equal(2 * MetricsServer.FirstRetry, _attempts[2] - _attempts[1]);
        Assert.Equal(new MetricsStatus(Listen, Url, null, null, null), serving);
        Assert.True(_stopped, "the server was not stopped with the host");
        Assert.Equal([(LogLevel.Warning, 520), (LogLevel.Debug, 521), (LogLevel.Information, 511)], _logger.Entries.Select(e => (e.Level, e.EventId.Id)));
    }

    [Fact]
    public async Task ExecuteAsync_FailingForLong_WaitsAtMostMaxRetryBetweenAttempts()
    {
        var ct = TestContext.Current.CancellationToken;
        _failures = int.MaxValue;
        using var server = new MetricsServer(Listen, StartAsync, _time, _logger);

        await server.StartAsync(ct);
        for (int attempt = 1; attempt < 10; attempt++)
        {
            await _time.AdvanceToNextTimerAsync();
        }

        await Poll.UntilAsync(() => Locked(() => _attempts.Count == 10), "the tenth attempt");
        await server.StopAsync(ct);

        var gaps = _attempts.Zip(_attempts.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, gap => Assert.True(gap <= MetricsServer.MaxRetry, $"waited {gap}"));
        Assert.Equal(MetricsServer.MaxRetry, gaps[^1]);
        Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task ExecuteAsync_MetricsTurnedOff_StartsNothingAndHasNoStatus()
    {
        var ct = TestContext.Current.CancellationToken;
        using var server = new MetricsServer(string.Empty, start: null, _time, _logger);

        await server.StartAsync(ct);
        await (server.ExecuteTask ?? Task.CompletedTask);
        await server.StopAsync(ct);

        Assert.Null(server.Status);
        Assert.Empty(_logger.Entries);
    }

    private Task<(IReadOnlyList<string> Urls, IAsyncDisposable Server)> StartAsync(CancellationToken cancellationToken)
    {
        lock (_attempts)
        {
            _attempts.Add(_time.GetUtcNow());
            if (_attempts.Count <= _failures)
            {
                throw new IOException($"Failed to bind to address http://{Listen}: address already in use.", new AddressInUseException("Address already in use"));
            }
        }

        return Task.FromResult<(IReadOnlyList<string>, IAsyncDisposable)>(([Url], new Stopper(() => _stopped = true)));
    }

    private bool Locked(Func<bool> condition)
    {
        lock (_attempts)
        {
            return condition();
        }
    }

    private sealed class Stopper(Action stop) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            stop();
            return ValueTask.CompletedTask;
        }
    }
}
