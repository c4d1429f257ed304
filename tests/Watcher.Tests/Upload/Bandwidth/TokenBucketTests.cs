using Microsoft.Extensions.Time.Testing;
using Watcher.Upload.Bandwidth;

namespace Watcher.Tests.Upload.Bandwidth;

public sealed class TokenBucketTests
{
    private const int Chunk = 16 << 10;
    private const long Rate = 1 << 20;

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AcquireAsync_NoLimit_CompletesAtOnce()
    {
        using var sut = new TokenBucket(_time);

        for (int i = 0; i < 1000; i++)
        {
            Assert.True(sut.AcquireAsync(1 << 20, wait: true, TestContext.Current.CancellationToken).AsTask().IsCompletedSuccessfully);
        }
    }

    [Fact]
    public void AcquireAsync_BucketEmpty_WaitsUntilTheTokensAreEarned()
    {
        using var sut = CreateDrained();

        var write = sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask();
        Assert.False(write.IsCompleted);
        Assert.Equal(1, sut.Waiting);

        // 16 KiB at 1 MiB/s: 15.625 ms.
        _time.Advance(TimeSpan.FromMilliseconds(15));
        Assert.False(write.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(write.IsCompletedSuccessfully);
    }

    [Fact]
    public void AcquireAsync_ManyWrites_AverageTheRate()
    {
        using var sut = new TokenBucket(_time, Rate);
        long start = _time.GetTimestamp();
        const int Writes = 640;

        for (int i = 0; i < Writes; i++)
        {
            var write = sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask();
            while (!write.IsCompleted)
            {
                _time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        // 10 MiB at 1 MiB/s: the bucket starts empty, so not even the first write goes ahead of the rate.
        double expected = Writes * (double)Chunk / Rate;
        Assert.InRange(_time.GetElapsedTime(start).TotalSeconds, expected - 0.01, expected + 0.01);
    }

    [Fact]
    public void AcquireAsync_WithoutWaiting_IsChargedButNotDelayed()
    {
        using var sut = CreateDrained();
        var write = sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask();

        var small = sut.AcquireAsync(64 << 10, wait: false, TestContext.Current.CancellationToken).AsTask();

        Assert.True(small.IsCompletedSuccessfully);
        _time.Advance(TimeSpan.FromMilliseconds(16));
        Assert.False(write.IsCompleted);

        // The write waits for its own 16 KiB and the 64 KiB charged in between: 78.125 ms in all.
        _time.Advance(TimeSpan.FromMilliseconds(61));
        Assert.False(write.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.True(write.IsCompletedSuccessfully);
    }

    [Fact]
    public void AcquireAsync_TwoWriters_AreServedInTurn()
    {
        using var sut = CreateDrained();
        var first = sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask();
        var second = sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask();

        _time.Advance(TimeSpan.FromMilliseconds(16));
        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(16));
        Assert.True(second.IsCompletedSuccessfully);
    }

    [Fact]
    public void SetRate_Off_LetsTheWaitersGo()
    {
        using var sut = CreateDrained();
        var write = sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask();

        sut.SetRate(null);

        Assert.True(write.IsCompletedSuccessfully);
        Assert.Null(sut.Rate);
    }

    [Fact]
    public void SetRate_Higher_TimesTheWaiterAgain()
    {
        using var sut = new TokenBucket(_time, 16 << 10);
        var write = sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask();

        // At 16 KiB/s it would wait a second; at 1 MiB/s, about 16 ms.
        sut.SetRate(Rate);
        _time.Advance(TimeSpan.FromMilliseconds(16));

        Assert.True(write.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AcquireAsync_Cancelled_LeavesTheQueueToTheNext()
    {
        using var sut = CreateDrained();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var cancelled = sut.AcquireAsync(Chunk, wait: true, cancel.Token).AsTask();
        var next = sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
        Assert.Equal(1, sut.Waiting);
        _time.Advance(TimeSpan.FromMilliseconds(16));
        Assert.True(next.IsCompletedSuccessfully);
    }

    /// <summary>A bucket at 1 MiB/s, as it starts: empty.</summary>
    private TokenBucket CreateDrained() => new(_time, Rate);

    [Fact]
    public void AcquireAsync_AfterAnIdleSpell_TakesAtMostTheBurstAtOnce()
    {
        using var sut = new TokenBucket(_time, Rate);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.True(sut.AcquireAsync((int)TokenBucket.Burst(Rate), wait: true, TestContext.Current.CancellationToken).AsTask().IsCompletedSuccessfully);
        Assert.False(sut.AcquireAsync(Chunk, wait: true, TestContext.Current.CancellationToken).AsTask().IsCompleted);
    }
}
