using System.Security.Cryptography;
using System.Threading.Channels;
using Watcher.Nix;
using Watcher.Pipeline;

namespace Watcher.Tests.Pipeline;

public sealed class BatchWindowTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(2);

    // Synchronous continuations: a write runs the waiting window's loop before the test moves the clock on.
    private readonly Channel<Discovery> _channel = Channel.CreateUnbounded<Discovery>(new UnboundedChannelOptions { AllowSynchronousContinuations = true });
    private readonly ArmedTimeProvider _time = new();
    private readonly BatchWindow _window;

    public BatchWindowTests() => _window = new BatchWindow(_channel.Reader, Quiet, Max, _time);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_discovery_after_a_quiet_spell_is_planned_without_waiting_for_the_window()
    {
        Write(1);

        var batch = _window.CollectAsync(Ct);

        Assert.True(batch.IsCompleted, "the first discovery waited for the quiet window");
        Assert.Single(await batch);
    }

    [Fact]
    public async Task Discoveries_right_behind_a_batch_wait_for_the_quiet_window_and_go_together()
    {
        Write(1);
        await Collected(_window.CollectAsync(Ct));

        _time.Advance(TimeSpan.FromMilliseconds(10));
        Write(2);
        var batch = _window.CollectAsync(Ct);
        await _time.WaitForTimerAtAsync(_time.GetUtcNow() + Quiet);
        Assert.False(batch.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(200));
        Write(3);

        // The window waits again, a quiet window after the last discovery.
        await _time.WaitForTimerAtAsync(_time.GetUtcNow() + Quiet);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, _time.ArmedTimers);
        Assert.False(batch.IsCompleted, "the batch closed before discovery had been quiet for the window");

        _time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Equal(2, (await Collected(batch)).Count);
    }

    [Fact]
    public async Task A_steady_stream_is_cut_at_the_max_window()
    {
        Write(1);
        await Collected(_window.CollectAsync(Ct));

        var batch = _window.CollectAsync(Ct);
        int written = 0;
        while (written < 100)
        {
            // Each step: the window waits on the clock again, or it has closed the batch.
            await _time.WaitForTimersOrAsync(batch);
            if (batch.IsCompleted)
            {
                break;
            }

            Write(100 + written++);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        var collected = await Collected(batch);
        // Every 100 ms for 2 s: about 20 discoveries, never the whole stream.
        Assert.InRange(collected.Count, 15, 25);
    }

    [Fact]
    public async Task A_quiet_spell_between_batches_restores_the_immediate_start()
    {
        Write(1);
        await Collected(_window.CollectAsync(Ct));
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Write(2);
        var second = _window.CollectAsync(Ct);
        await _time.AdvanceWhenArmedAsync(Quiet);
        await Collected(second);

        _time.Advance(Quiet);
        Write(3);
        Assert.True(_window.CollectAsync(Ct).IsCompleted);
    }

    [Fact]
    public async Task A_completed_reader_ends_with_what_was_left()
    {
        Write(1);
        await Collected(_window.CollectAsync(Ct));
        Write(2);
        Write(3);
        _channel.Writer.Complete();

        Assert.Equal(2, (await Collected(_window.CollectAsync(Ct))).Count);
        Assert.Empty(await Collected(_window.CollectAsync(Ct)));
    }

    /// <summary>The batch, or a failure when it does not close within seconds of real time.</summary>
    private static Task<List<Discovery>> Collected(Task<List<Discovery>> batch) => batch.WaitAsync(TimeSpan.FromSeconds(5), Ct);

    private void Write(int i) =>
        Assert.True(_channel.Writer.TryWrite(new Discovery(
            StorePath.FromBaseName(Nix32.Encode(SHA256.HashData(BitConverter.GetBytes(i)).AsSpan(0, 20)) + "-batch" + i),
            DiscoverySource.Inotify)));
}
