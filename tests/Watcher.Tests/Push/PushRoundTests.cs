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
    public async Task PushAsync_Closure_HoldsOnlyItsTopWhichKeepsTheRest()
    {
        var closure = TestPaths.Dag(10);
        var store = FakeStore.With(closure);
        var roots = new List<StorePath>();
        var cache = new FakeCache { OnUpload = _ => { lock (store.TempRoots) { roots = [.. store.TempRoots]; } } };

        await new PushRound(store).PushAsync(CreateSession(cache), closure, [], Ct);

        Assert.Equal([closure[^1].Path], roots);
    }

    [Fact]
    public void Tops_IndependentPathsAndAChain_AreThePathsNothingInTheRoundRefersTo()
    {
        var lib = TestPaths.Info("lib", []);
        var app = TestPaths.Info("app", [lib.Path]);
        var tool = TestPaths.Info("tool", [TestPaths.Path("outside")]);

        Assert.Equal([app.Path, tool.Path], PushRound.Tops([lib, app, tool]));
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
