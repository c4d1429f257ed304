using Microsoft.Extensions.Time.Testing;
using Watcher.Config;
using Watcher.Upload.Bandwidth;

namespace Watcher.Tests.Upload.Bandwidth;

public sealed class ScheduledLimitTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.CreateCustomTimeZone("test+2", TimeSpan.FromHours(2), "test+2", "test+2");

    [Fact]
    public void Current_Timetable_FollowsTheLocalTimeOfDay()
    {
        // 05:59 UTC is 07:59 in the local zone: the timetable says no limit until 08:00.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 5, 59, 0, TimeSpan.Zero));
        time.SetLocalTimeZone(Paris);
        using var sut = new ScheduledLimit(time, Timetable("08:00,1M 19:00,512k 23:00,off"));
        Assert.Null(sut.Current);
        Assert.Equal(new TimeOnly(8, 0), sut.NextChange!.At);

        AdvanceBy(time, TimeSpan.FromMinutes(1));
        Assert.Equal(1L << 20, sut.Current);

        AdvanceBy(time, new TimeSpan(10, 59, 0));
        Assert.Equal(1L << 20, sut.Current);
        AdvanceBy(time, TimeSpan.FromMinutes(1));
        Assert.Equal(512L << 10, sut.Current);

        AdvanceBy(time, TimeSpan.FromHours(4));
        Assert.Null(sut.Current);
        Assert.Equal(new RateChange(new TimeOnly(8, 0), 1L << 20), sut.NextChange);
    }

    [Fact]
    public void Current_SameInstant_DependsOnTheLocalZone()
    {
        var utc = new DateTimeOffset(2026, 3, 2, 18, 0, 0, TimeSpan.Zero);
        var here = new FakeTimeProvider(utc);
        here.SetLocalTimeZone(TimeZoneInfo.Utc);
        var there = new FakeTimeProvider(utc);
        there.SetLocalTimeZone(Paris);

        using var atHome = new ScheduledLimit(here, Timetable("08:00,1M 19:00,512k"));
        using var abroad = new ScheduledLimit(there, Timetable("08:00,1M 19:00,512k"));

        Assert.Equal(1L << 20, atHome.Current);
        Assert.Equal(512L << 10, abroad.Current);
    }

    [Fact]
    public void Set_NewSchedule_AppliesAtOnce()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero));
        using var sut = new ScheduledLimit(time, RateSchedule.Off);
        var write = sut.Bucket.AcquireAsync(1 << 20, wait: true, TestContext.Current.CancellationToken).AsTask();
        Assert.True(write.IsCompletedSuccessfully);

        sut.Set(RateSchedule.Constant(2L << 20));

        Assert.Equal(2L << 20, sut.Current);
        Assert.Null(sut.NextChange);
        Assert.Equal("2 MiB/s", sut.Schedule.Text);
    }

    private static RateSchedule Timetable(string text)
    {
        Assert.True(RateSchedule.TryParse(text, out var schedule, out string? error), error);
        return schedule;
    }

    /// <summary>Moves the clock a minute at a time, so that each timer the limit arms fires at its time.</summary>
    private static void AdvanceBy(FakeTimeProvider time, TimeSpan span)
    {
        for (var left = span; left > TimeSpan.Zero; left -= TimeSpan.FromMinutes(1))
        {
            time.Advance(left < TimeSpan.FromMinutes(1) ? left : TimeSpan.FromMinutes(1));
        }
    }
}
