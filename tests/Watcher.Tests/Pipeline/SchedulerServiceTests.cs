using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Hosting;
using Watcher.Pipeline;
using Watcher.Tests.Caches;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Pipeline;

public sealed class SchedulerServiceTests : IAsyncDisposable
{
    private readonly SchedulerHarness _h = new();
    private readonly ConcurrentQueue<string> _sent = new();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Stop_UploadInProgress_ExtendsTheStopTimeoutWhileItMovesAndAbortsItOnceItStops()
    {
        var ct = TestContext.Current.CancellationToken;
        _h.Cache.UploadGate = new TaskCompletionSource().Task;
        using var service = new SchedulerService([_h.Target], _h.Store, _h.State, NoNarSource.Instance, _h.Health, new SystemdNotify(_sent.Enqueue, null), _h.Meters.Metrics, _h.Time, NullLoggerFactory.Instance, new DiscoveryQueue());
        _h.Journal([TestPaths.Info("big", [])]);
        await service.StartAsync(ct);
        await _h.UntilAsync(() => _h.Cache.MaxInFlight == 1, "the upload started");

        var stopping = service.StopAsync(CancellationToken.None);
        await _h.UntilAsync(() => !_sent.IsEmpty, "STOPPING");
        Assert.Single(_sent);

        // The upload is still going a second later: now it is a drain, and systemd is told.
        await _h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await _h.UntilAsync(() => _sent.Count >= 2, "the stop messages");
        Assert.Equal("STOPPING=1", _sent.First());
        Assert.Equal("STATUS=finishing uploads in progress\nEXTEND_TIMEOUT_USEC=55000000", _sent.Last());

        // Bytes keep moving for a minute: each tick extends the timeout again by the whole budget.
        for (int i = 0; i < 12; i++)
        {
            _h.Target.Activity.Progressed(_h.Time.GetUtcNow());
            await _h.AdvanceAsync(TimeSpan.FromSeconds(5));
        }

        await _h.UntilAsync(() => _sent.Count >= 14, "an extension per tick");
        Assert.Equal("EXTEND_TIMEOUT_USEC=55000000", _sent.Last());

        // The drain armed its next tick: it goes on waiting rather than aborting.
        await _h.Time.WaitForTimersAsync();
        Assert.False(stopping.IsCompleted);

        // Then nothing moves: the budget (45 s, nine ticks) runs down and the upload is aborted.
        for (int i = 0; i < 9; i++)
        {
            await _h.AdvanceAsync(TimeSpan.FromSeconds(5));
        }

        await stopping.WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal("EXTEND_TIMEOUT_USEC=15000000", _sent.Last());
        Assert.Equal(1, _h.State.CountPending(SchedulerHarness.CacheName));
        Assert.Empty(_h.State.DeadLetters());
    }

    [Fact]
    public async Task Stop_NothingInProgress_EndsWithoutAskingForMoreTime()
    {
        var ct = TestContext.Current.CancellationToken;
        using var service = new SchedulerService([_h.Target], _h.Store, _h.State, NoNarSource.Instance, _h.Health, new SystemdNotify(_sent.Enqueue, null), _h.Meters.Metrics, _h.Time, NullLoggerFactory.Instance, new DiscoveryQueue());
        await service.StartAsync(ct);

        // The scheduler armed its idle wait: it is started and has nothing in progress.
        await _h.Time.WaitForTimersAsync();

        // The fake clock never moves: the stop ends because the schedulers do, not because a wait ran out.
        await service.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20), ct);

        Assert.Equal(["STOPPING=1"], _sent);
    }
}
