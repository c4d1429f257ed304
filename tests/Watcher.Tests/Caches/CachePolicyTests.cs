using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Caches;
using Watcher.Config;
using Watcher.Core;
using Watcher.Tests.Metrics;

namespace Watcher.Tests.Caches;

public sealed class CachePolicyTests : IDisposable
{
    private static readonly RetryOptions Fast = new() { Attempts = 4, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };

    private readonly TestMeters _meters = new();
    private readonly CacheActivity _activity = new();

    [Theory]
    [InlineData(0, 0.0, 0)]
    [InlineData(0, 0.5, 500)]
    [InlineData(3, 0.5, 4000)]
    [InlineData(10, 0.999, 59940)]
    [InlineData(40, 0.5, 30000)]
    public void RetryDelay_FullJitter_UniformUnderTheExponentialCeiling(int retry, double random, double expectedMs)
    {
        var sut = CreateSut(new RetryOptions(), random: () => random);

        Assert.Equal(expectedMs, sut.RetryDelay(retry, new IOException("reset")).TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData(7, 7)]
    [InlineData(3600, 300)]
    [InlineData(-5, 0)]
    public void RetryDelay_RetryAfter_HonouredAndClamped(int retryAfterSeconds, int expectedSeconds)
    {
        var sut = CreateSut(new RetryOptions(), random: () => 0.5);
        var error = new CacheUploadException("busy", FailureReason.Throttled, 429, TimeSpan.FromSeconds(retryAfterSeconds));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), sut.RetryDelay(0, error));
    }

    [Theory]
    [InlineData(0, 15)]
    [InlineData(1, 30)]
    [InlineData(3, 120)]
    [InlineData(9, 300)]
    public void BreakDurationAfter_DoublesPerFailedTrialUpToTheCap(int halfOpenAttempts, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), CachePolicy.BreakDurationAfter(halfOpenAttempts));

    [Fact]
    public async Task RunAsync_LookupWithoutAnAnswer_SentASecondTimeAndTheFirstAnswerWins()
    {
        using var retries = _meters.Collect<long>("nix_watcher.retries");
        var options = Fast with { Timeout = TimeSpan.FromSeconds(10) };
        var held = new TaskCompletionSource<bool>();
        var firstGivenUp = new TaskCompletionSource();
        int calls = 0;
        var time = new ArmedTimeProvider();
        var start = time.GetUtcNow();

        var run = CreateSut(options, time: time).RunAsync("checking a.narinfo", RequestKind.Repeatable, async ct =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // Held unanswered, as a stalling server does.
                try
                {
                    return await held.Task.WaitAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    firstGivenUp.SetResult();
                    throw;
                }
            }

            return true;
        }, TestContext.Current.CancellationToken);

        // The clock moves only to timers the policy armed: the hedge's comes first, long before the 10 s timeout.
        await time.RunTimersUntilAsync(run);

        Assert.True(await run);
        Assert.Equal(2, calls);
        Assert.True(time.GetUtcNow() - start < options.Timeout, "the second send went out before the attempt timed out");
        Assert.Equal("timeout", Assert.Single(retries.GetMeasurementSnapshot()).Tags["reason"]);
        await firstGivenUp.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task RunAsync_LookupAnsweredAtOnce_SentOnce()
    {
        int calls = 0;

        await CreateSut(Fast).RunAsync("checking a.narinfo", RequestKind.Repeatable, _ => Task.FromResult(++calls), TestContext.Current.CancellationToken);

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task RunBodyAsync_BytesKeepMoving_NeverTimesOutThoughItTakesLongerThanTheStallTimeout()
    {
        var options = Fast with { StallTimeout = TimeSpan.FromMilliseconds(300) };
        var time = new ArmedTimeProvider();
        int calls = 0;

        // Bytes move every 50 ms of the fake clock for a second; a stall would cancel the body at its next step.
        int result = await CreateSut(options, time: time).RunBodyAsync("uploading x", async (progress, ct) =>
        {
            calls++;
            for (int i = 0; i < 20; i++)
            {
                await Task.Yield();
                time.Advance(TimeSpan.FromMilliseconds(50));
                ct.ThrowIfCancellationRequested();
                progress();
            }

            return 7;
        }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(7, result);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task RunBodyAsync_Stalls_GivenUpSentAgainAndNamedWhenItKeepsStalling()
    {
        var options = Fast with { Attempts = 2, StallTimeout = TimeSpan.FromMilliseconds(200) };
        using var retries = _meters.Collect<long>("nix_watcher.retries");
        var time = new ArmedTimeProvider();
        var start = time.GetUtcNow();
        int calls = 0;

        var run = CreateSut(options, breaker: false, time: time).RunBodyAsync<int>("uploading x", async (progress, ct) =>
        {
            calls++;
            progress();
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }, TestContext.Current.CancellationToken);

        // The first attempt is given up when its stall timer fires; then the retry's delay, the second attempt's stall.
        await time.WaitForTimerAtAsync(start + options.StallTimeout);
        await time.RunTimersUntilAsync(run);
        var error = await Assert.ThrowsAsync<TimeoutException>(() => run);

        Assert.Equal(2, calls);
        Assert.Equal("no byte moved for 0.2 s", error.Message);
        Assert.Equal("timeout", Assert.Single(retries.GetMeasurementSnapshot()).Tags["reason"]);
    }

    [Fact]
    public async Task RunAsync_TransientFailures_SentAgainUntilSuccessEachResendCountedByReason()
    {
        using var retries = _meters.Collect<long>("nix_watcher.retries");
        var failures = new Queue<Exception>([new CacheUploadException("503", FailureReason.ServerError, 503), new HttpRequestException("reset")]);
        int calls = 0;

        int result = await CreateSut(Fast).RunAsync("writing x.narinfo", RequestKind.Single, _ =>
        {
            calls++;
            return failures.TryDequeue(out var failure) ? Task.FromException<int>(failure) : Task.FromResult(42);
        }, TestContext.Current.CancellationToken);

        Assert.Equal(42, result);
        Assert.Equal(3, calls);
        Assert.Equal(["server_error", "connection"], retries.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!));
        Assert.NotNull(_activity.LastProgress);
        Assert.Equal("reset", _activity.LastError?.Message);
    }

    [Theory]
    [InlineData(nameof(FailureReason.Forbidden))]
    [InlineData(nameof(FailureReason.Unauthorized))]
    [InlineData(nameof(FailureReason.TooLarge))]
    [InlineData(nameof(FailureReason.Rejected))]
    public async Task RunAsync_PermanentFailure_SentOnce(string reasonName)
    {
        var reason = Enum.Parse<FailureReason>(reasonName);
        int calls = 0;

        var error = await Assert.ThrowsAsync<CacheUploadException>(() => CreateSut(Fast).RunAsync<int>("x", RequestKind.Single, _ =>
        {
            calls++;
            throw new CacheUploadException("no", reason);
        }, TestContext.Current.CancellationToken));

        Assert.Equal(reason, error.Reason);
        Assert.Equal(1, calls);
        Assert.Equal(1, Failures.Attempts(error));
    }

    [Fact]
    public async Task RunAsync_AttemptsExhausted_ThrowsTheLastErrorWithTheAttemptCount()
    {
        int calls = 0;

        var error = await Assert.ThrowsAsync<CacheUploadException>(() => CreateSut(Fast, breaker: false).RunAsync<int>("x", RequestKind.Repeatable, _ =>
        {
            calls++;
            throw new CacheUploadException($"502 #{calls}", FailureReason.ServerError, 502);
        }, TestContext.Current.CancellationToken));

        Assert.Equal(Fast.Attempts, calls);
        Assert.Equal("502 #4", error.Message);
        Assert.Equal(Fast.Attempts, Failures.Attempts(error));
    }

    [Fact]
    public async Task RunAsync_AttemptStalls_TimedOutSentAgainAndNamedWhenItKeepsStalling()
    {
        var options = Fast with { Attempts = 2, Timeout = TimeSpan.FromMilliseconds(100) };
        var time = new ArmedTimeProvider();
        var start = time.GetUtcNow();
        int calls = 0;

        var run = CreateSut(options, breaker: false, time: time).RunAsync<int>("writing a.narinfo", RequestKind.Single, async ct =>
        {
            calls++;
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }, TestContext.Current.CancellationToken);

        // Each attempt ends when its timeout fires on the clock; between them, the retry's delay.
        await time.WaitForTimerAtAsync(start + options.Timeout);
        await time.RunTimersUntilAsync(run);
        var error = await Assert.ThrowsAsync<CacheUploadException>(() => run);

        Assert.Equal(2, calls);
        Assert.Equal(FailureReason.Timeout, error.Reason);
        Assert.Contains("writing a.narinfo: no answer within 0.1 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CacheKeepsFailing_BreakerPausesItNamingTheCauseThenATrialAfterThePauseClosesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var sut = CreateSut(Fast with { Attempts = 1 }, time: time);
        using var opened = _meters.Collect<long>("nix_watcher.circuit.opened");
        var ct = TestContext.Current.CancellationToken;
        int calls = 0;
        bool down = true;
        Task<int> Request() => sut.RunAsync("x", RequestKind.Repeatable, _ =>
        {
            calls++;
            return down ? Task.FromException<int>(new HttpRequestException("connection refused")) : Task.FromResult(1);
        }, ct);

        for (int i = 0; i < CachePolicy.BreakerMinimumThroughput; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(Request);
        }

        var paused = await Assert.ThrowsAsync<CacheUploadException>(Request);

        Assert.Equal(FailureReason.Paused, paused.Reason);
        Assert.Equal("cache 'c' is paused for another 15 s after repeated failures (last error: connection refused)", paused.Message);
        Assert.Equal(CachePolicy.BreakerMinimumThroughput, calls);
        Assert.Equal(CircuitState.Open, _activity.Circuit);
        Assert.Equal(DateTimeOffset.UnixEpoch + CachePolicy.BreakDuration, _activity.PausedUntil);
        Assert.Equal(1, Assert.Single(opened.GetMeasurementSnapshot()).Value);

        down = false;
        time.Advance(CachePolicy.BreakDuration + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await Request());
        Assert.Equal(CircuitState.Closed, _activity.Circuit);
    }

    public void Dispose() => _meters.Dispose();

    private CachePolicy CreateSut(RetryOptions options, bool breaker = true, Func<double>? random = null, TimeProvider? time = null) =>
        new("c", options, _activity, _meters.Metrics, time ?? TimeProvider.System, NullLogger.Instance, breaker, random);
}
