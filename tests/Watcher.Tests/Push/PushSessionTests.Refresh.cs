using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Caches;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Push;

/// <content>What a push relies on stays alive: aged paths are refreshed, references outside the push are made sure of.</content>
public sealed partial class PushSessionTests
{
    [Fact]
    public async Task PushAsync_AgedPresentPaths_AreRefreshedAndCountAsPresent()
    {
        var closure = TestPaths.Dag(4);
        var cache = new FakeCache();
        cache.Present.UnionWith([closure[0].Path, closure[1].Path]);
        cache.Aged.Add(closure[0].Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal([closure[0].Path], cache.Refreshed);
        Assert.Equal(PathOutcomeKind.Present, result[closure[0].Path].Kind);
        Assert.Equal(PathOutcomeKind.Present, result[closure[1].Path].Kind);
        Assert.Equal([closure[2].Path, closure[3].Path], cache.Published);
    }

    [Fact]
    public async Task PushAsync_AgedPathGoneWhenRefreshed_IsPushedBeforeItsReferrers()
    {
        var closure = TestPaths.Dag(3);
        var cache = new FakeCache();
        cache.Present.Add(closure[0].Path);
        cache.Aged.Add(closure[0].Path);
        cache.GoneOnRefresh.Add(closure[0].Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.All(result.Values, o => Assert.Equal(PathOutcomeKind.Pushed, o.Kind));
        Assert.Equal(closure.Select(p => p.Path), cache.Published);
    }

    [Fact]
    public async Task PushAsync_FreshPresentPaths_AreNotRefreshed()
    {
        var closure = TestPaths.Dag(2);
        var cache = new FakeCache();
        cache.Present.Add(closure[0].Path);

        await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Empty(cache.Refreshed);
    }

    [Fact]
    public async Task PushAsync_ReliedReferencePresent_IsAskedInTheSameQuestionAndTheReferrerIsPublished()
    {
        var reference = TestPaths.Info("ref", []);
        var referrer = TestPaths.Info("new", [reference.Path]);
        var cache = new FakeCache();
        cache.Present.Add(reference.Path);
        cache.Aged.Add(reference.Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync([referrer], [reference], TestContext.Current.CancellationToken);

        Assert.Equal(new HashSet<StorePath> { reference.Path, referrer.Path }, Assert.Single(cache.Lookups).ToHashSet());
        Assert.Equal([reference.Path], cache.Refreshed);
        Assert.Equal(PathOutcomeKind.Present, result[reference.Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[referrer.Path].Kind);
        Assert.False(cache.Uploaded.ContainsKey(reference.Path));
    }

    [Fact]
    public async Task PushAsync_ReliedReferenceMissing_IsNotPushedAndItsReferrerWaits()
    {
        var reference = TestPaths.Info("ref", []);
        var referrer = TestPaths.Info("new", [reference.Path]);
        var unrelated = TestPaths.Info("other", []);
        var cache = new FakeCache();

        var result = await CreateSut(cache, jobs: 2).PushAsync([referrer, unrelated], [reference], TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Missing, result[reference.Path].Kind);
        Assert.Equal(PathOutcomeKind.Deferred, result[referrer.Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[unrelated.Path].Kind);
        Assert.Equal([unrelated.Path], cache.Published);
        Assert.False(cache.Uploaded.ContainsKey(reference.Path));
    }

    [Fact]
    public async Task PushAsync_ReliedReferenceGoneWhenRefreshed_IsMissing()
    {
        var reference = TestPaths.Info("ref", []);
        var referrer = TestPaths.Info("new", [reference.Path]);
        var cache = new FakeCache();
        cache.Present.Add(reference.Path);
        cache.Aged.Add(reference.Path);
        cache.GoneOnRefresh.Add(reference.Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync([referrer], [reference], TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Missing, result[reference.Path].Kind);
        Assert.Equal(PathOutcomeKind.Deferred, result[referrer.Path].Kind);
        Assert.Empty(cache.Published);
    }

    [Fact]
    public async Task PushAsync_ReliedReferenceUpstream_IsNotAsked()
    {
        var reference = TestPaths.Info("ref", []) with { Signatures = ["cache.nixos.org-1:c2ln"] };
        var referrer = TestPaths.Info("new", [reference.Path]);
        var cache = new FakeCache();

        var result = await CreateSut(cache, 2, ["cache.nixos.org-1"]).PushAsync([referrer], [reference], TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Upstream, result[reference.Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[referrer.Path].Kind);
        Assert.DoesNotContain(reference.Path, Assert.Single(cache.Lookups));
    }

    [Fact]
    public async Task PushAsync_ReliedPathAlsoPushed_Throws()
    {
        var path = TestPaths.Info("a", []);

        await Assert.ThrowsAsync<ArgumentException>(() => CreateSut(new FakeCache(), 1).PushAsync([path], [path], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PushAsync_NarWaitedLongerThanNarRefreshAfter_IsRefreshedBeforeItsNarinfo()
    {
        var time = new FakeTimeProvider();
        var path = TestPaths.Info("slow", []);
        var cache = new FakeCache { OnUpload = _ => time.Advance(GcLimits.NarRefreshAfter + TimeSpan.FromMinutes(1)) };

        var result = await new PushSession(cache, NoSource, 1, [], NullLogger.Instance, time).PushAsync([path], TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Pushed, result[path.Path].Kind);
        Assert.Equal([path.Path], cache.NarRefreshed);
        Assert.Equal([path.Path], cache.Published);
    }

    [Fact]
    public async Task PushAsync_NarGoneAfterWaiting_IsNotPublishedAndStaysToDo()
    {
        var time = new FakeTimeProvider();
        var path = TestPaths.Info("slow", []);
        var cache = new FakeCache { OnUpload = _ => time.Advance(GcLimits.NarRefreshAfter + TimeSpan.FromMinutes(1)) };
        cache.NarGone.Add(path.Path);

        var result = await new PushSession(cache, NoSource, 1, [], NullLogger.Instance, time).PushAsync([path], TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Deferred, result[path.Path].Kind);
        Assert.Empty(cache.Published);
    }

    [Fact]
    public async Task PushAsync_NarPublishedSoon_IsNotRefreshed()
    {
        var time = new FakeTimeProvider();
        var path = TestPaths.Info("quick", []);
        var cache = new FakeCache { OnUpload = _ => time.Advance(GcLimits.NarRefreshAfter - TimeSpan.FromMinutes(1)) };

        await new PushSession(cache, NoSource, 1, [], NullLogger.Instance, time).PushAsync([path], TestContext.Current.CancellationToken);

        Assert.Empty(cache.NarRefreshed);
        Assert.Equal([path.Path], cache.Published);
    }
}
