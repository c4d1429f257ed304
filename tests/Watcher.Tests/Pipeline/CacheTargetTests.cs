using Microsoft.Extensions.Time.Testing;
using Watcher.Config;
using Watcher.Pipeline;
using Watcher.Upload;

namespace Watcher.Tests.Pipeline;

public sealed class CacheTargetTests
{
    private static readonly TimeSpan Recheck = TimeSpan.FromMinutes(1);

    private readonly FakeTimeProvider _time = new();
    private readonly CacheTarget _target = new(
        new FileCacheOptions { Name = "c", Path = "/tmp/c", SigningKeyFile = "/k" },
        new FileCache("c", "/tmp/c", new NarEncoder(NarCompression.None, level: 3, workers: 1), signingKey: null));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_wake_ends_the_wait_at_once()
    {
        var wait = _target.WaitAsync(Recheck, _time, Ct);
        Assert.False(wait.IsCompleted);

        _target.Wake();

        await wait.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task The_recheck_timeout_runs_on_the_injected_clock()
    {
        var wait = _target.WaitAsync(Recheck, _time, Ct);

        _time.Advance(Recheck - TimeSpan.FromSeconds(1));
        await Task.Delay(50, Ct);
        Assert.False(wait.IsCompleted, "the wait ended before its timeout on the injected clock");

        _time.Advance(TimeSpan.FromSeconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task Wakes_while_busy_collapse_into_one()
    {
        _target.Wake();
        _target.Wake();
        await _target.WaitAsync(Recheck, _time, Ct);

        var second = _target.WaitAsync(Recheck, _time, Ct);
        await Task.Delay(50, Ct);

        Assert.False(second.IsCompleted, "a second wake-up was kept");
    }
}
