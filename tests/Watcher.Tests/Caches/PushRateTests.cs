using Watcher.Caches;

namespace Watcher.Tests.Caches;

public sealed class PushRateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void PerMinute_PathsWithinTheWindow_AveragedOverFiveMinutes()
    {
        var sut = new PushRate();
        for (int i = 0; i < 30; i++)
        {
            sut.Add(Now.AddSeconds(-9 * i));
        }

        Assert.Equal(6, sut.PerMinute(Now));
    }

    [Fact]
    public void PerMinute_PathsOlderThanTheWindow_AreNotCounted()
    {
        var sut = new PushRate();
        sut.Add(Now.AddMinutes(-6));
        sut.Add(Now.AddMinutes(-30));
        sut.Add(Now.AddSeconds(-5));

        Assert.Equal(0.2, sut.PerMinute(Now));
        Assert.Equal(0, sut.PerMinute(Now.AddMinutes(10)));
    }

    [Fact]
    public void Add_SlotUsedBeforeByAnOlderBucket_StartsFromZero()
    {
        var sut = new PushRate();
        for (int i = 0; i < 50; i++)
        {
            sut.Add(Now.AddMinutes(-5));
        }

        sut.Add(Now);

        Assert.Equal(0.2, sut.PerMinute(Now));
    }
}
