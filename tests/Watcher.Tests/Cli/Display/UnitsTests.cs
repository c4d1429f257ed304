using Watcher.Cli.Display;

namespace Watcher.Tests.Cli.Display;

public sealed class UnitsTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(5L << 20, "5.0 MiB")]
    [InlineData(3L << 30, "3.0 GiB")]
    public void Bytes_PicksTheUnit(long bytes, string expected)
    {
        Assert.Equal(expected, Units.Bytes(bytes));
    }

    [Theory]
    [InlineData(0.42, "0.4 s")]
    [InlineData(9.94, "9.9 s")]
    [InlineData(42.4, "42 s")]
    [InlineData(185, "3 min 5 s")]
    [InlineData(7800, "2 h 10 min")]
    public void Duration_PicksTheUnit(double seconds, string expected)
    {
        Assert.Equal(expected, Units.Duration(TimeSpan.FromSeconds(seconds)));
    }
}
