using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Caches;
using Watcher.Tests.Nix;
using Watcher.Tests.Store;

namespace Watcher.Tests.Push;

public sealed class PushRoundTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PushAsync_WhileEachNarGoesUp_ItsPathIsATemporaryRootReleasedAfter()
    {
        var closure = TestPaths.Dag(10);
        var store = FakeStore.With(closure);
        var held = new Dictionary<StorePath, bool>();
        var cache = new FakeCache { OnUpload = store.NoteHeld(held) };

        var outcomes = await new PushRound(store).PushAsync(CreateSession(cache), closure, [], Ct);

        Assert.All(outcomes.Values, o => Assert.Equal(PathOutcomeKind.Pushed, o.Kind));
        Assert.Equal(closure.Count, held.Count);
        Assert.All(held, h => Assert.True(h.Value, $"{h.Key} was not held while it went up"));
        Assert.Equal(1, store.HoldCalls);
        Assert.Empty(store.TempRoots);
    }

    [Fact]
    public async Task PushAsync_ReliedReference_IsNotHeld()
    {
        var lib = TestPaths.Info("lib", []);
        var app = TestPaths.Info("app", [lib.Path]);
        var store = FakeStore.With([lib, app]);
        bool? libHeld = null;
        var cache = new FakeCache { OnUpload = _ => libHeld = store.IsHeld(lib.Path) };
        cache.Present.Add(lib.Path);

        var outcomes = await new PushRound(store).PushAsync(CreateSession(cache), [app], [lib], Ct);

        Assert.Equal(PathOutcomeKind.Pushed, outcomes[app.Path].Kind);
        Assert.Equal(PathOutcomeKind.Present, outcomes[lib.Path].Kind);
        Assert.False(libHeld);
    }

    [Fact]
    public async Task PushAsync_Cancelled_ReleasesTheRoots()
    {
        var closure = TestPaths.Independent(3);
        var store = FakeStore.With(closure);
        var cache = new FakeCache { UploadGate = new TaskCompletionSource().Task };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var push = new PushRound(store).PushAsync(CreateSession(cache), closure, [], cts.Token);
        Assert.True(SpinWait.SpinUntil(() => cache.MaxInFlight > 0, TimeSpan.FromSeconds(30)), "no upload started");
        Assert.True(store.IsHeld(closure[0].Path));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => push);
        Assert.Empty(store.TempRoots);
    }

    [Fact]
    public async Task HoldingAsync_NoPaths_DoesNotAskTheStore()
    {
        var store = new FakeStore();

        int result = await new PushRound(store).HoldingAsync([], () => Task.FromResult(7), Ct);

        Assert.Equal(7, result);
        Assert.Equal(0, store.HoldCalls);
    }

    private static PushSession CreateSession(FakeCache cache) => new(cache, NoNarSource.Instance, 2, [], NullLogger.Instance);
}
