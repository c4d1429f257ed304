using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Tests.Metrics;
using Watcher.Upload;
using Watcher.Upload.Resilience;

namespace Watcher.Tests.Upload.Resilience;

public sealed class CachePolicyTests
{
    private static readonly ResilienceOptions Options = new();

    [Theory]
    [InlineData(0, 0.0, 0)]
    [InlineData(0, 0.5, 500)]
    [InlineData(3, 0.5, 4000)]
    [InlineData(10, 0.999, 59940)]
    [InlineData(40, 0.5, 30000)]
    public void RetryDelay_FullJitter_UniformUnderTheExponentialCeiling(int attempt, double random, double expectedMs)
    {
        var sut = CreateSut(() => random);

        Assert.Equal(expectedMs, sut.RetryDelay(attempt, new IOException("reset")).TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData(7, 7)]
    [InlineData(3600, 300)]
    [InlineData(-5, 0)]
    public void RetryDelay_RetryAfter_HonouredAndClamped(int retryAfterSeconds, int expectedSeconds)
    {
        var sut = CreateSut(() => 0.5);
        var error = new CacheUploadException("busy", CacheFailureKind.Transient, 429, TimeSpan.FromSeconds(retryAfterSeconds));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), sut.RetryDelay(0, error));
    }

    [Theory]
    [InlineData(0, 15)]
    [InlineData(1, 30)]
    [InlineData(3, 120)]
    [InlineData(9, 300)]
    public void BreakDuration_DoublesPerFailedTrialUpToTheCap(int halfOpenAttempts, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), CreateSut(() => 0).BreakDuration(halfOpenAttempts));
    }

    [Fact]
    public void Timeouts_ScaleWithTheWork()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), Options.UploadTimeout(0));
        Assert.Equal(TimeSpan.FromSeconds(60 + 4096), Options.UploadTimeout(1L << 30));
        Assert.Equal(TimeSpan.FromSeconds(60 + 500), Options.LookupTimeout(10_000));
    }

    [Fact]
    public async Task ExecuteAsync_AttemptTimesOut_RetriedAndThenSucceeds()
    {
        using var meters = new TestMeters();
        using var retries = meters.Collect<long>("nix_watcher.retries");
        var options = Options with { BaseDelay = TimeSpan.FromMilliseconds(1) };
        var sut = new CachePolicy("c", options, new CacheActivity(), meters.Metrics, TimeProvider.System, NullLogger.Instance);
        int attempts = 0;

        int result = await sut.ExecuteAsync("stalling", TimeSpan.FromMilliseconds(100), async ct =>
        {
            if (++attempts == 1)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            return 42;
        }, TestContext.Current.CancellationToken);

        Assert.Equal(42, result);
        Assert.Equal(2, attempts);
        Assert.Equal("timeout", Assert.Single(retries.GetMeasurementSnapshot()).Tags["reason"]);
    }

    private static CachePolicy CreateSut(Func<double> random)
    {
        using var meters = new TestMeters();
        return new CachePolicy("c", Options, new CacheActivity(), meters.Metrics, TimeProvider.System, NullLogger.Instance, random);
    }
}
