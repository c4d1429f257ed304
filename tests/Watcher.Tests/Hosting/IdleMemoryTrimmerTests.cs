using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Hosting;

namespace Watcher.Tests.Hosting;

public sealed class IdleMemoryTrimmerTests
{
    private const long Mb = 1L << 20;

    private readonly ArmedTimeProvider _time = new();
    private long _allocated;
    private int _trims;
    private int _samples;

    [Fact]
    public void A_quiet_period_after_busy_ones_trims_once()
    {
        var trimmer = Create();

        Assert.False(Busy(trimmer, 40 * Mb), "trimmed while allocating");
        Assert.False(Busy(trimmer, 40 * Mb), "trimmed while allocating");
        Assert.True(Busy(trimmer, 0));
        Assert.False(Busy(trimmer, 0), "trimmed again with nothing allocated since");
        Assert.Equal(1, _trims);
    }

    [Fact]
    public void Small_allocations_add_up_to_a_trim_only_when_they_are_worth_it()
    {
        var trimmer = Create();
        Busy(trimmer, 40 * Mb);
        Assert.True(Busy(trimmer, 0));

        // Scrapes and timers: under the quiet threshold each period.
        int periods = 0;
        while (!Busy(trimmer, IdleMemoryTrimmer.QuietBytes / 2))
        {
            periods++;
            Assert.True(periods < 1000, "never trimmed");
        }

        Assert.InRange(periods, (IdleMemoryTrimmer.Worth / (IdleMemoryTrimmer.QuietBytes / 2)) - 1, IdleMemoryTrimmer.Worth / (IdleMemoryTrimmer.QuietBytes / 2));
        Assert.Equal(2, _trims);
    }

    [Fact]
    public async Task The_running_service_samples_each_period_and_trims_when_quiet()
    {
        _allocated = 100 * Mb;
        using var trimmer = Create();
        await trimmer.StartAsync(TestContext.Current.CancellationToken);

        // The service arms its periodic timer on a pool thread; each period is moved on once the last sample was taken.
        await _time.AdvanceWhenArmedAsync(IdleMemoryTrimmer.Period);
        await Poll.UntilAsync(() => Volatile.Read(ref _samples) == 1, "the first sample");
        Assert.Equal(0, Volatile.Read(ref _trims));
        _time.Advance(IdleMemoryTrimmer.Period);
        await Poll.UntilAsync(() => Volatile.Read(ref _trims) == 1, "the trim after a quiet period");

        await trimmer.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, _trims);
    }

    private IdleMemoryTrimmer Create() =>
        new(_time, NullLogger<IdleMemoryTrimmer>.Instance, Allocated, () => Interlocked.Increment(ref _trims));

    private long Allocated()
    {
        Interlocked.Increment(ref _samples);
        return Volatile.Read(ref _allocated);
    }

    /// <summary>One period in which <paramref name="bytes"/> were allocated.</summary>
    private bool Busy(IdleMemoryTrimmer trimmer, long bytes)
    {
        _allocated += bytes;
        return trimmer.Sample();
    }
}
