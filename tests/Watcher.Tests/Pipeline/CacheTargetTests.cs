using Watcher.Caches;
using Watcher.Caches.Files;
using Watcher.Caches.Zstd;
using Watcher.Config;
using Watcher.Pipeline;

namespace Watcher.Tests.Pipeline;

public sealed class CacheTargetTests
{
    private static readonly TimeSpan Recheck = TimeSpan.FromMinutes(1);

    private readonly ArmedTimeProvider _time = new();
    private readonly CacheTarget _target = new(
        new FileCacheOptions { Name = "c", Path = "/tmp/c", SigningKeyFile = "/k" },
        new FileCache("c", "/tmp/c", new NarEncoder(NarCompression.None, level: 3, workers: 1), signingKey: null));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wake_ends_the_wait_at_once()
    {
        var wait = _target.WaitAsync(Recheck, _time, Ct);
        await _time.WaitForTimersAsync();
        Assert.False(wait.IsCompleted);

        _target.Wake();

        await wait.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task The_recheck_timeout_runs_on_the_injected_clock()
    {
        var wait = _target.WaitAsync(Recheck, _time, Ct);
        await _time.WaitForTimerAtAsync(_time.GetUtcNow() + Recheck);

        _time.Advance(Recheck - TimeSpan.FromSeconds(1));
        Assert.Equal(1, _time.ArmedTimers);
        Assert.False(wait.IsCompleted, "the wait ended before its timeout on the injected clock");

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, _time.ArmedTimers);
        await wait.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task Wakes_while_busy_collapse_into_one()
    {
        _target.Wake();
        _target.Wake();
        await _target.WaitAsync(Recheck, _time, Ct);

        var second = _target.WaitAsync(Recheck, _time, Ct);

        // A kept wake-up is read at once, without waiting: the wait would be over and its timer gone.
        Assert.False(second.IsCompleted, "a second wake-up was kept");
        Assert.Equal(1, _time.ArmedTimers);
    }
}
