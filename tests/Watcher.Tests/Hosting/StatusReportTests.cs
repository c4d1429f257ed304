using Watcher.Caches;
using Watcher.Config;
using Watcher.Hosting;
using Watcher.State;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Hosting;

public sealed class StatusReportTests : IDisposable
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private readonly string _dir = Directory.CreateTempSubdirectory("status-report-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Build_NoDaemon_FiguresComeFromTheStateAndLiveFieldsAreEmpty()
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("local", [Info("a"), Info("b"), Info("c")], At);
        state.Bury("local", TestPaths.Path("c"), "HTTP 403: no permission", 1, At);
        state.Enqueue("attic", [Info("d")], At);

        var report = StatusReport.Build(CreateOptions(), state, _ => null, daemon: false, At);

        Assert.False(report.Daemon);
        Assert.Equal(["local", "attic"], report.Caches.Select(c => c.Name));
        Assert.Equal(["file", "attic"], report.Caches.Select(c => c.Type));
        var local = report.Caches[0];
        Assert.Equal((2L, 0, 1), (local.Pending, local.InFlight, local.DeadLetterCount));
        Assert.Equal(new DeadLetterStatus(TestPaths.Path("c").FullPath, "HTTP 403: no permission", 1, At), Assert.Single(local.DeadLetters));
        Assert.Null(local.Circuit);
        Assert.Null(local.LastSuccess);
        Assert.Null(local.LastError);
        Assert.Equal((1L, 0), (report.Caches[1].Pending, report.Caches[1].DeadLetterCount));
    }

    [Fact]
    public void Build_WithActivity_ReportsUploadsLastSuccessLastErrorAndPause()
    {
        using var state = StateStore.Open(_dir);
        var activity = new CacheActivity();
        activity.UploadStarted(Info("a"));
        activity.UploadStarted(Info("b"));
        activity.Succeeded(At);
        activity.Failed("HTTP 503, will retry", At.AddSeconds(5));
        activity.CircuitChanged(CircuitState.Open, At.AddMinutes(1));

        var report = StatusReport.Build(CreateOptions(), state, name => name == "local" ? activity : null, daemon: true, At);

        Assert.True(report.Daemon);
        var local = report.Caches[0];
        Assert.Equal(2, local.InFlight);
        Assert.Equal("open", local.Circuit);
        Assert.Equal(At.AddMinutes(1), local.PausedUntil);
        Assert.Equal(At, local.LastSuccess);
        Assert.Equal("HTTP 503, will retry", local.LastError);
        Assert.Equal(At.AddSeconds(5), local.LastErrorAt);
        Assert.Null(report.Caches[1].Circuit);
    }

    [Fact]
    public void Build_PushesOverTheLastMinutes_ReportsPathsPerMinuteOverFiveMinutes()
    {
        using var state = StateStore.Open(_dir);
        var activity = new CacheActivity();
        activity.Succeeded(At.AddMinutes(-7));
        for (int i = 0; i < 12; i++)
        {
            activity.Succeeded(At.AddSeconds(-20 * i));
        }

        var report = StatusReport.Build(CreateOptions(), state, name => name == "local" ? activity : null, daemon: true, At);

        Assert.Equal(12 / 5.0, report.Caches[0].PathsPerMinute);
        Assert.Null(report.Caches[1].PathsPerMinute);
    }

    [Fact]
    public void Build_PendingPaths_ReportsWhenTheOldestWasJournaledAndHowLongItHasWaited()
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("local", [Info("a")], At);
        state.Enqueue("local", [Info("b")], At.AddMinutes(1));

        var report = StatusReport.Build(CreateOptions(), state, _ => null, daemon: false, At.AddSeconds(150));

        Assert.Equal(At, report.Caches[0].OldestPending);
        Assert.Equal(150, report.Caches[0].OldestPendingAgeSeconds);
        Assert.Null(report.Caches[1].OldestPending);
        Assert.Null(report.Caches[1].OldestPendingAgeSeconds);
    }

    [Theory]
    [InlineData(nameof(CircuitState.Closed), "closed")]
    [InlineData(nameof(CircuitState.Open), "open")]
    [InlineData(nameof(CircuitState.HalfOpen), "half-open")]
    public void Build_CircuitState_IsNamedForPeople(string circuit, string expected)
    {
        using var state = StateStore.Open(_dir);
        var activity = new CacheActivity();
        activity.CircuitChanged(Enum.Parse<CircuitState>(circuit), At);

        var report = StatusReport.Build(CreateOptions(), state, _ => activity, daemon: true, At);

        Assert.Equal(expected, report.Caches[0].Circuit);
    }

    [Fact]
    public void Build_MoreDeadLettersThanListed_ListsTheOldestAndCountsAll()
    {
        using var state = StateStore.Open(_dir);
        int total = StatusReport.ListedDeadLetters + 20;
        for (int i = 0; i < total; i++)
        {
            var path = TestPaths.MakePath("p", i);
            state.Enqueue("local", [TestPaths.Info("p", [path]) with { Path = path }], At);
            state.Bury("local", path, "refused", 5, At.AddSeconds(i));
        }

        var local = StatusReport.Build(CreateOptions(), state, _ => null, daemon: false, At).Caches[0];

        Assert.Equal(total, local.DeadLetterCount);
        Assert.Equal(StatusReport.ListedDeadLetters, local.DeadLetters.Count);
        Assert.Equal(TestPaths.MakePath("p", 0).FullPath, local.DeadLetters[0].Path);
    }

    private WatcherOptions CreateOptions() => new()
    {
        StateDir = _dir,
        Caches =
        [
            new FileCacheOptions { Name = "local", Path = Path.Combine(_dir, "cache"), SigningKeyFile = Path.Combine(_dir, "key") },
            new AtticCacheOptions { Name = "attic", Cache = "private", Endpoint = new Uri("http://127.0.0.1:1/") },
        ],
    };

    private static Watcher.Nix.PathInfo Info(string name) => TestPaths.Info(name, []);
}
