using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Config;
using Watcher.Pipeline;
using Watcher.State;
using Watcher.Tests.Nix;
using Watcher.Tests.Store;

namespace Watcher.Tests.Pipeline;

public sealed class StartupScanServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("startup-test-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Start_SameConfiguration_DeadLettersStayDead()
    {
        await StartAsync("token-1");
        Bury("a");

        await StartAsync("token-1");

        using var state = StateStore.Open(_dir);
        Assert.Single(state.DeadLetters("home"));
        Assert.Equal(0, state.CountPending("home"));
    }

    [Fact]
    public async Task Start_TokenReplaced_DeadLettersOfThatCacheAreTriedAgain()
    {
        await StartAsync("token-1");
        Bury("a");

        await StartAsync("token-2");

        using var state = StateStore.Open(_dir);
        Assert.Empty(state.DeadLetters("home"));
        Assert.Equal([TestPaths.Path("a")], state.TakePending("home", 10).Select(p => p.Path));
    }

    [Fact]
    public async Task Start_JournalRowsOfCollectedPaths_AreDroppedAndThoseOfValidPathsKept()
    {
        var store = new FakeStore();
        store.Add([TestPaths.Info("valid", [])]);
        using (var state = StateStore.Open(_dir))
        {
            state.MarkSeen([TestPaths.Path("valid"), TestPaths.Path("collected")]);
            state.MarkPushed("home", [TestPaths.Path("valid"), TestPaths.Path("collected"), TestPaths.Path("pushed-only")]);
        }

        await StartAsync("token-1", store);

        using var reopened = StateStore.Open(_dir);
        Assert.Equal([TestPaths.Path("valid").FullPath], reopened.KnownPaths());
        Assert.Equal([TestPaths.Path("valid").FullPath], reopened.PushedPaths("home"));
    }

    private void Bury(string name)
    {
        using var state = StateStore.Open(_dir);
        state.Enqueue("home", [TestPaths.Info(name, [])], _time.GetUtcNow());
        state.Bury("home", TestPaths.Path(name), "HTTP 401", 1, _time.GetUtcNow());
    }

    private async Task StartAsync(string token, FakeStore? store = null)
    {
        string tokenFile = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(tokenFile, token, TestContext.Current.CancellationToken);
        var options = new WatcherOptions
        {
            StateDir = _dir,
            Watch = new WatchOptions { Scan = ScanMode.None },
            Caches = [new AtticCacheOptions { Name = "home", Cache = "private", Endpoint = new Uri("https://attic.example.org/"), TokenFile = tokenFile }],
        };
        using var state = StateStore.Open(_dir);
        using var service = new StartupScanService(options, new DiscoveryQueue(), store ?? new FakeStore(), state, _time, NullLogger<StartupScanService>.Instance);

        await service.StartAsync(TestContext.Current.CancellationToken);
        await service.ExecuteTask!;
    }
}
