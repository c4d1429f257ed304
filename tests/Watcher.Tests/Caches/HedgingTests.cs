using Watcher.Caches;
using Watcher.Tests.Metrics;

namespace Watcher.Tests.Caches;

public sealed class HedgingTests : IDisposable
{
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(2);

    private readonly TestMeters _meters = new();
    private readonly ArmedTimeProvider _time = new();

    [Fact]
    public void Delay_TooFewAnswersSeen_TheLongest()
    {
        var sut = CreateSut();
        Answer(sut, Hedging.MinSamples - 1, TimeSpan.FromMilliseconds(10));

        Assert.Equal(Longest, sut.Delay);
    }

    [Theory]
    [InlineData(10, 250)]
    [InlineData(100, 400)]
    [InlineData(300, 1200)]
    [InlineData(1000, 2000)]
    public void Delay_EnoughAnswers_FourTimesTheirNinetiethPercentileWithinBounds(int answerMs, int expectedMs)
    {
        var sut = CreateSut();
        Answer(sut, Hedging.MinSamples, TimeSpan.FromMilliseconds(answerMs));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), sut.Delay);
    }

    [Fact]
    public void Delay_SlowAnswers_OnlyATenthOrMoreLengthensIt()
    {
        var sut = CreateSut();
        Answer(sut, 58, TimeSpan.FromMilliseconds(50));
        Answer(sut, 6, TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(250), sut.Delay);

        // One more slow answer pushes the oldest fast one out of the window: now 7 of 64 are slow.
        Answer(sut, 1, TimeSpan.FromSeconds(1));
        Assert.Equal(Longest, sut.Delay);
    }

    [Fact]
    public void Delay_OldAnswersLeaveTheWindow()
    {
        var sut = CreateSut();
        Answer(sut, Hedging.Window, TimeSpan.FromSeconds(1));
        Answer(sut, Hedging.Window, TimeSpan.FromMilliseconds(80));

        Assert.Equal(TimeSpan.FromMilliseconds(320), sut.Delay);
    }

    [Fact]
    public async Task RunAsync_FirstTwoSendsHeld_HedgesAtTheDelayAndTwiceItTheThirdAnswerWins()
    {
        var ct = TestContext.Current.CancellationToken;
        using var retries = _meters.Collect<long>("nix_watcher.retries");
        var sut = CreateSut();
        Answer(sut, Hedging.MinSamples, TimeSpan.FromMilliseconds(100));
        var givenUp = new List<Task>();
        int calls = 0;

        var start = _time.GetUtcNow();
        var run = sut.RunAsync(async token =>
        {
            int call = Interlocked.Increment(ref calls);
            if (call < 3)
            {
                // Held unanswered, as a stalling server does, until the request is given up.
                var cancelled = new TaskCompletionSource();
                lock (givenUp)
                {
                    givenUp.Add(cancelled.Task);
                }

                await using var registration = token.Register(cancelled.SetResult);
                await Task.Delay(Timeout.Infinite, token);
            }

            return call;
        }, ct);

        // A hedge goes out only when the hedge timer fires: while it is armed and not due, no second send.
        await _time.WaitForTimerAtAsync(start + TimeSpan.FromMilliseconds(400));
        _time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.Equal(start + TimeSpan.FromMilliseconds(400), _time.NextDue);
        Assert.Equal(1, calls);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _time.WaitForTimerAtAsync(start + TimeSpan.FromMilliseconds(800));
        Assert.Equal(2, calls);
        _time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.Equal(start + TimeSpan.FromMilliseconds(800), _time.NextDue);
        Assert.Equal(2, calls);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, await run.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(2, retries.GetMeasurementSnapshot().Count(m => (string?)m.Tags["reason"] == "timeout"));
        await Task.WhenAll(givenUp).WaitAsync(TimeSpan.FromSeconds(10), ct);
    }

    [Fact]
    public async Task RunAsync_FirstSendFailsBeforeAnyHedge_FailsAtOnce()
    {
        var sut = CreateSut();
        int calls = 0;

        await Assert.ThrowsAsync<IOException>(() => sut.RunAsync<int>(_ =>
        {
            calls++;
            throw new IOException("connection reset");
        }, TestContext.Current.CancellationToken));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task RunAsync_HeldSendThenHedgeFails_TheHeldOneMayStillAnswer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var retries = _meters.Collect<long>("nix_watcher.retries");
        var sut = CreateSut();
        var held = new TaskCompletionSource<int>();
        int calls = 0;

        var start = _time.GetUtcNow();
        var run = sut.RunAsync(async token =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                return await held.Task.WaitAsync(token);
            }

            throw new IOException("connection reset");
        }, ct);

        await _time.AdvanceWhenArmedAsync(Longest);

        // The hedge failed and the run armed its next hedge: it waits on, for the held send.
        await _time.WaitForTimerAtAsync(start + (2 * Longest));
        Assert.Equal(2, calls);
        Assert.False(run.IsCompleted);

        held.SetResult(7);
        Assert.Equal(7, await run.WaitAsync(TimeSpan.FromSeconds(10), ct));

        // The third send never went out, so only the one hedge is counted.
        Assert.Single(retries.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task RunAsync_CancelledWhileHeld_SendsNoHedge()
    {
        var ct = TestContext.Current.CancellationToken;
        using var retries = _meters.Collect<long>("nix_watcher.retries");
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sut = CreateSut();
        int calls = 0;

        var run = sut.RunAsync(async token =>
        {
            Interlocked.Increment(ref calls);
            await Task.Delay(Timeout.Infinite, token);
            return 0;
        }, attempt.Token);
        await attempt.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(1, calls);
        Assert.Empty(retries.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task RunAsync_HedgeWins_TheLoserIsCancelledAndWhatItStillReturnsIsDisposed()
    {
        var ct = TestContext.Current.CancellationToken;
        var sut = CreateSut();
        var loserCancelled = new TaskCompletionSource();
        var loserReturns = new TaskCompletionSource();
        var leftOver = new Response(0);
        int calls = 0;

        var run = sut.RunAsync(async token =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                // A send that answers although it was given up: what it returns must not leak.
                await using var registration = token.Register(loserCancelled.SetResult);
                await loserReturns.Task.WaitAsync(ct);
                return leftOver;
            }

            return new Response(2);
        }, ct);
        await _time.AdvanceWhenArmedAsync(Longest);
        await loserCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        loserReturns.SetResult();

        var answer = await run.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(2, answer.Send);
        Assert.False(answer.Disposed);
        Assert.True(leftOver.Disposed);
    }

    [Fact]
    public async Task RunAsync_HedgeWins_ItsOwnAnswerTimeIsRecorded()
    {
        var ct = TestContext.Current.CancellationToken;
        var sut = CreateSut();
        Answer(sut, Hedging.MinSamples - 2, TimeSpan.FromMilliseconds(100));

        for (int i = 0; i < 2; i++)
        {
            int calls = 0;
            var run = sut.RunAsync(async token =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    await Task.Delay(Timeout.Infinite, token);
                }

                return calls;
            }, ct);
            await _time.AdvanceWhenArmedAsync(Longest);
            Assert.Equal(2, await run.WaitAsync(TimeSpan.FromSeconds(10), ct));
        }

        // Two hedges answered at once: had the attempts' 2 s counted, or nothing, the delay would still be the longest.
        Assert.Equal(TimeSpan.FromMilliseconds(400), sut.Delay);
    }

    [Fact]
    public async Task RunAsync_EverySendFails_FailsWithTheLastOnlyThen()
    {
        var ct = TestContext.Current.CancellationToken;
        var sut = CreateSut();
        var held = new TaskCompletionSource<int>();
        var thirdFailed = new TaskCompletionSource();
        int calls = 0;

        var start = _time.GetUtcNow();
        var run = sut.RunAsync(async token =>
        {
            int call = Interlocked.Increment(ref calls);
            if (call == 1)
            {
                return await held.Task.WaitAsync(token);
            }

            if (call == 3)
            {
                thirdFailed.SetResult();
            }

            throw new IOException($"send {call} reset");
        }, ct);
        await _time.AdvanceWhenArmedAsync(Longest);
        await _time.WaitForTimerAtAsync(start + (2 * Longest));
        _time.Advance(Longest);
        await thirdFailed.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);

        // Had a hedge's failure ended the attempt, its error would be the one thrown.
        held.SetException(new IOException("send 1 reset"));
        var error = await Assert.ThrowsAsync<IOException>(() => run.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal("send 1 reset", error.Message);
    }

    public void Dispose() => _meters.Dispose();

    private static void Answer(Hedging sut, int count, TimeSpan elapsed)
    {
        for (int i = 0; i < count; i++)
        {
            sut.Answered(elapsed);
        }
    }

    private Hedging CreateSut() => new(Longest, "c", _meters.Metrics, _time);

    private sealed class Response(int send) : IDisposable
    {
        public int Send { get; } = send;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
