using Microsoft.Extensions.Time.Testing;
using Watcher.Upload.Bandwidth;

namespace Watcher.Tests.Upload.Bandwidth;

public sealed class AutoRateTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(20);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Sample_NoQueue_RaisesTheRate()
    {
        var sut = new AutoRate(_time);
        long before = sut.Rate;

        long? rate = null;
        for (int i = 0; i < 10; i++)
        {
            _time.Advance(AutoRate.UpdateInterval);
            rate = sut.Sample("s", Base);
        }

        Assert.True(rate > before, $"{rate} after {before}");
        Assert.Equal(TimeSpan.Zero, sut.QueueingDelay);
    }

    [Fact]
    public void Sample_QueueAtTwiceTheTarget_LowersTheRateByATenth()
    {
        var sut = Warmed(out _);

        // The first queued samples are hidden by the lowest of the last ones (one slow answer is no queue).
        for (int i = 0; i < AutoRate.CurrentSamples - 1; i++)
        {
            _time.Advance(AutoRate.UpdateInterval);
            sut.Sample("s", Base + (2 * AutoRate.Target));
        }

        long before = sut.Rate;
        _time.Advance(AutoRate.UpdateInterval);
        long? rate = sut.Sample("s", Base + (2 * AutoRate.Target));

        Assert.Equal(2 * AutoRate.Target, sut.QueueingDelay);
        Assert.InRange(rate!.Value, (before * 9 / 10) - 1, (before * 9 / 10) + 1);
    }

    [Fact]
    public void Sample_QueueBelowTheTarget_StillRaisesTheRate()
    {
        var sut = Warmed(out long before);

        long? rate = null;
        for (int i = 0; i < AutoRate.CurrentSamples; i++)
        {
            _time.Advance(AutoRate.UpdateInterval);
            rate = sut.Sample("s", Base + (AutoRate.Target / 2));
        }

        Assert.True(rate > before, $"{rate} after {before}");
    }

    [Fact]
    public void Sample_TwoServersAtDifferentDistances_EachHasItsOwnBaseDelay()
    {
        var sut = new AutoRate(_time);
        for (int i = 0; i < 5; i++)
        {
            _time.Advance(AutoRate.UpdateInterval);
            sut.Sample("near", TimeSpan.FromMilliseconds(1));
            sut.Sample("far", TimeSpan.FromMilliseconds(150));
        }

        Assert.Equal(TimeSpan.Zero, sut.QueueingDelay);
    }

    [Fact]
    public void Sample_WithinTheUpdateInterval_LeavesTheRate()
    {
        var sut = Warmed(out long before);

        Assert.Null(sut.Sample("s", Base + (4 * AutoRate.Target)));
        Assert.Equal(before, sut.Rate);
    }

    [Fact]
    public void Sample_FullBuffer_HalvesTheRateAtMost()
    {
        var sut = Warmed(out _);
        for (int i = 0; i < AutoRate.CurrentSamples - 1; i++)
        {
            _time.Advance(AutoRate.UpdateInterval);
            sut.Sample("s", TimeSpan.FromSeconds(1));
        }

        long before = sut.Rate;
        _time.Advance(AutoRate.UpdateInterval);
        long? rate = sut.Sample("s", TimeSpan.FromSeconds(1));

        Assert.InRange(rate!.Value, (before / 2) - 1, (before / 2) + 1);
    }

    [Fact]
    public void Sample_LongQueue_NeverGoesBelowTheMinimum()
    {
        var sut = new AutoRate(_time);
        sut.Sample("s", Base);
        for (int i = 0; i < 50; i++)
        {
            _time.Advance(AutoRate.UpdateInterval);
            sut.Sample("s", TimeSpan.FromSeconds(1));
        }

        Assert.Equal(AutoRate.MinRate, sut.Rate);
    }

    /// <summary>A controller that has seen the base delay for a while (no queue), and its rate then.</summary>
    private AutoRate Warmed(out long rate)
    {
        var sut = new AutoRate(_time);
        for (int i = 0; i < AutoRate.CurrentSamples; i++)
        {
            _time.Advance(AutoRate.UpdateInterval);
            sut.Sample("s", Base);
        }

        rate = sut.Rate;
        return sut;
    }
}
