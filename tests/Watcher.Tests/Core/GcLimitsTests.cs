using Watcher.Core;

namespace Watcher.Tests.Core;

public sealed class GcLimitsTests
{
    [Theory]
    [InlineData(2, "1h", null)]
    [InlineData(30, "24h", null)]
    [InlineData(1, "24h", "--keep-days 1 is below the minimum of 2")]
    [InlineData(0, "24h", "--keep-days 0 is below the minimum of 2")]
    [InlineData(7, "59m", "--grace 59m is below the minimum of 1h")]
    public void Validate_Settings_RefusesThoseBelowTheMinimumsWithTheReason(int keepDays, string grace, string? message)
    {
        Assert.True(GcDuration.TryParse(grace, out var duration));

        string? refused = GcLimits.Validate(keepDays, duration);

        if (message is null)
        {
            Assert.Null(refused);
        }
        else
        {
            Assert.StartsWith(message, refused, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("45s", 45)]
    [InlineData("90m", 5400)]
    [InlineData("24h", 86400)]
    [InlineData("2d", 172800)]
    public void TryParse_NumberAndUnit_GivesTheDuration(string text, int seconds)
    {
        Assert.True(GcDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("24")]
    [InlineData("-1h")]
    [InlineData("1.5h")]
    [InlineData("3w")]
    [InlineData("99999999999999999d")]
    public void TryParse_Malformed_IsRefused(string text) => Assert.False(GcDuration.TryParse(text, out _));

    [Theory]
    [InlineData(86400, "1d")]
    [InlineData(129600, "36h")]
    [InlineData(5400, "90m")]
    [InlineData(45, "45s")]
    public void Format_Duration_IsTheShortestExactForm(int seconds, string expected) =>
        Assert.Equal(expected, GcDuration.Format(TimeSpan.FromSeconds(seconds)));
}
