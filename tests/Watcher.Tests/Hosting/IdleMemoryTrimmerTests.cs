using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Hosting;

namespace Watcher.Tests.Hosting;

public sealed class IdleMemoryTrimmerTests
{
    private const long Mb = 1L << 20;

    private readonly FakeTimeProvider _time = new();
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

        // The service starts its timer on a pool thread: move the clock on until it has sampled twice.
        for (int round = 0; Volatile.Read(ref _trims) == 0 && round < 500; round++)
        {
            _time.Advance(IdleMemoryTrimmer.Period);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await trimmer.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, _trims);
        Assert.True(_samples >= 2, "trimmed before a quiet period was seen");
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
