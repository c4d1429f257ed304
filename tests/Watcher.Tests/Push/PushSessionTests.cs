using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Caches;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Caches;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Push;

public sealed partial class PushSessionTests
{
    private static readonly INarSource NoSource = NoNarSource.Instance;

    [Fact]
    public async Task PushAsync_Dag_PublishesEveryReferenceBeforeItsReferrerThenFlushesOnce()
    {
        var closure = TestPaths.Dag(40);
        var cache = new FakeCache();

        var result = await CreateSut(cache, jobs: 4).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.All(result.Values, o => Assert.Equal(PathOutcomeKind.Pushed, o.Kind));
        var order = cache.Published.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        Assert.Equal(40, order.Count);
        foreach (var info in closure)
        {
            foreach (var reference in info.ReferencesExceptSelf)
            {
                Assert.True(order[reference] < order[info.Path], $"{info.Path} published before {reference}");
            }
        }

        Assert.Equal([40], cache.Flushes);
        Assert.Single(cache.Lookups);
    }

    [Fact]
    public async Task PushAsync_CacheThatPublishesOnUpload_UploadsReferencesFirst()
    {
        var closure = TestPaths.Dag(25);
        var cache = new FakeCache { PublishesOnUpload = true };

        var result = await CreateSut(cache, jobs: 4).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.All(result.Values, o => Assert.Equal(PathOutcomeKind.Pushed, o.Kind));
        var order = cache.Published.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        foreach (var info in closure)
        {
            Assert.All(info.ReferencesExceptSelf, r => Assert.True(order[r] < order[info.Path]));
        }
    }

    [Fact]
    public async Task PushAsync_CacheThatPublishesOnUpload_IndependentPathsGoUpInParallel()
    {
        var ct = TestContext.Current.CancellationToken;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cache = new FakeCache { PublishesOnUpload = true, UploadGate = gate.Task };

        var push = CreateSut(cache, jobs: 4).PushAsync(TestPaths.Independent(12), ct);

        // Held at the gate, every slot fills: none of these paths waits for another (Attic publishes on upload).
        Assert.True(SpinWait.SpinUntil(() => cache.MaxInFlight == 4, TimeSpan.FromSeconds(30)), $"only {cache.MaxInFlight} uploads at once");
        gate.SetResult();
        var result = await push;
        Assert.All(result.Values, o => Assert.Equal(PathOutcomeKind.Pushed, o.Kind));
        Assert.Equal(4, cache.MaxInFlight);
    }

    [Fact]
    public async Task PushAsync_Jobs_BoundsParallelUploads()
    {
        var cache = new FakeCache();

        await CreateSut(cache, jobs: 3).PushAsync(TestPaths.Independent(30), TestContext.Current.CancellationToken);

        Assert.InRange(cache.MaxInFlight, 2, 3);
    }

    [Fact]
    public async Task PushAsync_PathAlreadyInCache_IsSkipped()
    {
        var closure = TestPaths.Dag(5);
        var cache = new FakeCache();
        cache.Present.Add(closure[0].Path);
        cache.Present.Add(closure[2].Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Present, result[closure[0].Path].Kind);
        Assert.Equal(PathOutcomeKind.Present, result[closure[2].Path].Kind);
        Assert.Equal(3, cache.Published.Count);
        Assert.False(cache.Uploaded.ContainsKey(closure[0].Path));
    }

    [Fact]
    public async Task PushAsync_ReferenceFails_ReferrerIsNotPublishedButOthersAre()
    {
        var closure = TestPaths.Dag(6);
        var unrelated = TestPaths.Independent(1, "zz")[0];
        var cache = new FakeCache();
        cache.FailNar.Add(closure[0].Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync([.. closure, unrelated], TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Failed, result[closure[0].Path].Kind);
        Assert.Contains("server said no", result[closure[0].Path].Error, StringComparison.Ordinal);
        Assert.Equal(PathOutcomeKind.Failed, result[closure[1].Path].Kind);
        Assert.Equal(FailureReason.Reference, result[closure[1].Path].Reason);
        Assert.Equal(closure[0].Path, result[closure[1].Path].FailedReference);
        Assert.Contains(closure[0].Path.FullPath, result[closure[1].Path].Error, StringComparison.Ordinal);
        Assert.Equal(PathOutcomeKind.Pushed, result[unrelated.Path].Kind);
        Assert.DoesNotContain(closure[1].Path, cache.Published);
    }

    [Fact]
    public async Task PushAsync_FlushFails_NothingCountsAsPushed()
    {
        var closure = TestPaths.Dag(4);
        var cache = new FakeCache { FailFlush = new IOException("syncfs '/cache' failed: Input/output error (errno 5)") };
        cache.Present.Add(closure[0].Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Present, result[closure[0].Path].Kind);
        Assert.All(closure.Skip(1), p => Assert.Equal(PathOutcomeKind.Failed, result[p.Path].Kind));
        Assert.All(closure.Skip(1), p => Assert.Contains("Input/output error", result[p.Path].Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PushAsync_NothingPushed_DoesNotFlush()
    {
        var closure = TestPaths.Dag(3);
        var cache = new FakeCache();
        cache.Present.UnionWith(closure.Select(p => p.Path));

        await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Empty(cache.Flushes);
    }

    [Fact]
    public async Task PushAsync_CacheCannotBeAsked_EveryPathStaysToDoAndNothingIsUploaded()
    {
        var closure = TestPaths.Dag(4);
        var cache = new FakeCache { FailLookup = new CacheUploadException("bucket 'b' at http://s3: cannot reach the endpoint", FailureReason.Connection) };

        var result = await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(4, result.Count);
        Assert.All(result.Values, o => Assert.Equal(PathOutcomeKind.Deferred, o.Kind));
        Assert.All(result.Values, o => Assert.Contains("cannot reach the endpoint", o.Error, StringComparison.Ordinal));
        Assert.Empty(cache.Uploaded);
    }

    [Fact]
    public async Task PushAsync_OneLookupFails_OnlyThatPathAndItsReferrersWaitTheOthersArePushed()
    {
        // p0 <- p1 <- p2 ..., and an unrelated path.
        var closure = TestPaths.Dag(4);
        var unrelated = TestPaths.Independent(1, "zz")[0];
        var cache = new FakeCache();
        cache.Unknown.Add(closure[1].Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync([.. closure, unrelated], TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Pushed, result[closure[0].Path].Kind);
        Assert.Equal(PathOutcomeKind.Deferred, result[closure[1].Path].Kind);
        Assert.Contains("lookup timed out", result[closure[1].Path].Error, StringComparison.Ordinal);
        Assert.All(closure.Skip(2), p => Assert.Equal(PathOutcomeKind.Deferred, result[p.Path].Kind));
        Assert.Equal(PathOutcomeKind.Pushed, result[unrelated.Path].Kind);
        Assert.Equal(new HashSet<StorePath> { closure[0].Path, unrelated.Path }, cache.Published.ToHashSet());
    }

    [Fact]
    public async Task PushAsync_SkipSignedBy_UpstreamPathsAreNotPushedOrAskedForButReferrersArePushed()
    {
        var closure = TestPaths.Dag(3);
        closure[0] = closure[0] with { Signatures = ["cache.nixos.org-1:c2ln"] };
        closure[1] = closure[1] with { Signatures = ["cache.nixos.org-10:c2ln"] };
        var cache = new FakeCache();

        var result = await CreateSut(cache, 2, ["cache.nixos.org-1"]).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Upstream, result[closure[0].Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[closure[1].Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[closure[2].Path].Kind);
        Assert.False(cache.Uploaded.ContainsKey(closure[0].Path));
        Assert.DoesNotContain(closure[0].Path, Assert.Single(cache.Lookups));
    }

    [Fact]
    public async Task PushAsync_CacheNamesUpstreamKeys_PathsSignedByThemAreNotPushed()
    {
        var closure = TestPaths.Dag(2);
        closure[0] = closure[0] with { Signatures = ["upstream-1:c2ln"] };
        var cache = new FakeCache { UpstreamKeyNames = ["upstream-1"] };

        var result = await CreateSut(cache, 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Upstream, result[closure[0].Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[closure[1].Path].Kind);
        Assert.False(cache.Uploaded.ContainsKey(closure[0].Path));
    }

    [Fact]
    public async Task PushAsync_ClosureOutOfOrder_Throws()
    {
        var closure = TestPaths.Dag(3);

        await Assert.ThrowsAsync<ArgumentException>(() => CreateSut(new FakeCache(), 1).PushAsync([closure[2], closure[1], closure[0]], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PushAsync_Observer_ToldEveryOutcomeBeforeItReturns()
    {
        var closure = TestPaths.Dag(8);
        var cache = new FakeCache();
        cache.Present.Add(closure[0].Path);
        cache.FailNar.Add(closure[3].Path);
        var observer = new RecordingObserver();

        var result = await new PushSession(cache, NoSource, 2, [], NullLogger.Instance) { Observer = observer }.PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(closure.Count, observer.Outcomes.Count);
        Assert.All(closure, info => Assert.Equal(result[info.Path].Kind, observer.Outcomes[info.Path]));
        Assert.Contains(PathOutcomeKind.Present, observer.Outcomes.Values);
        Assert.Contains(PathOutcomeKind.Failed, observer.Outcomes.Values);
        Assert.Contains(PathOutcomeKind.Pushed, observer.Outcomes.Values);
    }

    private static PushSession CreateSut(FakeCache cache, int jobs, IReadOnlyCollection<string>? skipSignedBy = null) =>
        new(cache, NoSource, jobs, skipSignedBy ?? [], NullLogger.Instance);

    private sealed class RecordingObserver : IPushObserver
    {
        public ConcurrentDictionary<StorePath, PathOutcomeKind> Outcomes { get; } = new();

        public void Finished(PathInfo info, PathOutcome outcome) => Assert.True(Outcomes.TryAdd(info.Path, outcome.Kind), $"{info.Path} told twice");
    }
}
