using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Watcher.Hosting;
using Watcher.Tests.Store;

namespace Watcher.Tests.Hosting;

/// <summary>The metrics listener retries a taken port, says so in its status, and never fails the host.</summary>
public sealed class MetricsServerTests
{
    private const string Listen = "127.0.0.1:9464";
    private const string Url = "http://127.0.0.1:9464/metrics";

    private readonly FakeTimeProvider _time = new();
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
        await AdvanceUntilAsync(() => server.Status is not null, ct);
        var first = server.Status!;
        await AdvanceUntilAsync(() => server.Status?.Url is not null, ct);
        var serving = server.Status!;
        await server.StopAsync(ct);

        Assert.Null(first.Url);
        Assert.Equal(Listen, first.Listen);
        Assert.Equal("Failed to bind to address http://127.0.0.1:9464: address already in use (another process holds the port)", first.Error);
        // The service reads the clock after the failed attempt, and the test may have moved it on one step meanwhile.
        Assert.InRange(first.FailingSince!.Value, _attempts[0], _attempts[0] + Step);
        Assert.Equal(first.FailingSince + MetricsServer.FirstRetry, first.NextAttempt);
        Assert.Equal(3, _attempts.Count);
        Assert.InRange(_attempts[1] - _attempts[0], MetricsServer.FirstRetry, MetricsServer.FirstRetry + Step);
        Assert.InRange(_attempts[2] - _attempts[1], 2 * MetricsServer.FirstRetry, (2 * MetricsServer.FirstRetry) + Step);
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
        await AdvanceUntilAsync(() => _attempts.Count == 10, ct);
        await server.StopAsync(ct);

        var gaps = _attempts.Zip(_attempts.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, gap => Assert.True(gap <= MetricsServer.MaxRetry + Step, $"waited {gap}"));
        Assert.True(gaps[^1] >= MetricsServer.MaxRetry, $"the last wait was {gaps[^1]}");
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

    private static TimeSpan Step => TimeSpan.FromMilliseconds(250);

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

    /// <summary>The service waits on the fake clock from a pool thread: move the clock on in small steps until it got there.</summary>
    private async Task AdvanceUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        for (int round = 0; !Locked(condition); round++)
        {
            Assert.True(round < 5000, "the condition never came true");
            _time.Advance(Step);
            await Task.Delay(5, cancellationToken);
        }
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
