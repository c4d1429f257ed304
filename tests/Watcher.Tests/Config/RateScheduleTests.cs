using Watcher.Config;

namespace Watcher.Tests.Config;

public sealed class RateScheduleTests
{
    [Fact]
    public void TryParse_SingleRate_HoldsAllDay()
    {
        Assert.True(RateSchedule.TryParse("4 MiB/s", out var schedule, out _));

        Assert.True(schedule.IsConstant);
        Assert.Equal(4L << 20, schedule.RateAt(new TimeOnly(0, 0)));
        Assert.Equal(4L << 20, schedule.RateAt(new TimeOnly(23, 59)));
        Assert.Null(schedule.NextChange(new TimeOnly(12, 0)));
    }

    [Theory]
    [InlineData(0, 0, null)]
    [InlineData(7, 59, null)]
    [InlineData(8, 0, 1L << 20)]
    [InlineData(18, 59, 1L << 20)]
    [InlineData(19, 0, 512L << 10)]
    [InlineData(22, 59, 512L << 10)]
    [InlineData(23, 0, null)]
    [InlineData(23, 59, null)]
    public void RateAt_Timetable_IsTheEntryInForce(int hour, int minute, long? expected)
    {
        Assert.True(RateSchedule.TryParse("08:00,1M 19:00,512k 23:00,off", out var schedule, out string? error), error);

        Assert.Equal(expected, schedule.RateAt(new TimeOnly(hour, minute)));
    }

    [Fact]
    public void TryParse_Auto_IsNeitherOffNorARate()
    {
        Assert.True(RateSchedule.TryParse(" auto ", out var schedule, out _));

        Assert.True(schedule.IsAuto);
        Assert.False(schedule.IsOff);
        Assert.Equal("auto", schedule.Text);
    }

    [Fact]
    public void RateAt_BeforeTheFirstEntry_IsYesterdaysLast()
    {
        Assert.True(RateSchedule.TryParse("08:00,1M 19:00,2M", out var schedule, out _));

        Assert.Equal(2L << 20, schedule.RateAt(new TimeOnly(3, 0)));
    }

    [Fact]
    public void NextChange_AfterTheLastEntry_IsTomorrowsFirst()
    {
        Assert.True(RateSchedule.TryParse("08:00,1M 19:00,512k 23:00,off", out var schedule, out _));

        Assert.Equal(new RateChange(new TimeOnly(19, 0), 512L << 10), schedule.NextChange(new TimeOnly(8, 0)));
        Assert.Equal(new RateChange(new TimeOnly(8, 0), 1L << 20), schedule.NextChange(new TimeOnly(23, 30)));
    }

    [Fact]
    public void TryParse_RatesWithSpaces_AreKeptTogether()
    {
        Assert.True(RateSchedule.TryParse(" 08:00,4 MiB/s 9:30, 800 kbit/s  23:00,off ", out var schedule, out string? error), error);

        Assert.Equal(
            [new RateChange(new TimeOnly(8, 0), 4L << 20), new RateChange(new TimeOnly(9, 30), 100_000), new RateChange(new TimeOnly(23, 0), null)],
            schedule.Changes);
        Assert.False(schedule.IsOff);
    }

    [Theory]
    [InlineData("08:00,1M 07:00,2M", "does not come after 08:00")]
    [InlineData("08:00,1M 08:00,2M", "does not come after 08:00")]
    [InlineData("25:00,1M", "is not a time of day")]
    [InlineData("08:61,1M", "is not a time of day")]
    [InlineData("08:00,fast", "at 08:00: 'fast' is not a number with a unit")]
    [InlineData("Mon-08:00,1M", "is not a timetable")]
    [InlineData("1M,08:00", "is not a timetable")]
    [InlineData("08:00,", "is not a timetable")]
    [InlineData("08:00,1M 23:00,auto", "at 23:00: \"auto\" stands alone")]
    public void TryParse_MalformedTimetable_SaysWhy(string text, string expected)
    {
        Assert.False(RateSchedule.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
