using Watcher.Config;

namespace Watcher.Tests.Config;

public sealed class UploadRateTests
{
    [Theory]
    [InlineData("4 MiB/s", 4L << 20)]
    [InlineData("4MiB/s", 4L << 20)]
    [InlineData("4 MiB", 4L << 20)]
    [InlineData("1M", 1L << 20)]
    [InlineData("512k", 512L << 10)]
    [InlineData("1.5 MiB/s", 3L << 19)]
    [InlineData("800 kbit/s", 100_000)]
    [InlineData("8 Mbit/s", 1_000_000)]
    [InlineData("100 Mbps", 12_500_000)]
    [InlineData("2 MB/s", 2_000_000)]
    [InlineData("1 GiB/s", 1L << 30)]
    [InlineData("2048 B/s", 2048)]
    [InlineData(" 4 MiB/s ", 4L << 20)]
    public void TryParse_Rate_IsBytesPerSecond(string text, long expected)
    {
        Assert.True(UploadRate.TryParse(text, out long? rate, out string? error), error);
        Assert.Equal(expected, rate);
    }

    [Theory]
    [InlineData("off")]
    [InlineData("0")]
    [InlineData("unlimited")]
    public void TryParse_Off_IsNoLimit(string text)
    {
        Assert.True(UploadRate.TryParse(text, out long? rate, out _));
        Assert.Null(rate);
    }

    [Theory]
    [InlineData("fast", "is not a number with a unit")]
    [InlineData("4", "has no unit")]
    [InlineData("4 MiB/h", "is not a number with a unit")]
    [InlineData("4 Mb/s", "unknown unit 'Mb'")]
    [InlineData("100 B/s", "between 1 KiB/s and 1 TiB/s")]
    [InlineData("2 TiB/s", "unknown unit 'TiB'")]
    [InlineData("-1M", "is not a number with a unit")]
    public void TryParse_Malformed_SaysWhy(string text, string expected)
    {
        Assert.False(UploadRate.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "off")]
    [InlineData(4L << 20, "4 MiB/s")]
    [InlineData(100_000L, "97.66 KiB/s")]
    [InlineData(3L << 19, "1.5 MiB/s")]
    [InlineData(2048L, "2 KiB/s")]
    public void Format_Rate_ReadsBack(long? rate, string expected)
    {
        Assert.Equal(expected, UploadRate.Format(rate));
    }
}
