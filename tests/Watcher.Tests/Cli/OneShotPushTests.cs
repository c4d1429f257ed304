using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Cli;
using Watcher.Cli.Display;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.Push;
using Watcher.Tests.Caches;
using Watcher.Tests.Nix;
using Watcher.Tests.Store;

namespace Watcher.Tests.Cli;

/// <summary>What <c>push</c> and <c>scan</c> share once they have their plan.</summary>
public sealed class OneShotPushTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PushAsync_TwoCaches_HoldTheClosureAsTemporaryRootsOnceWhileItGoesUp()
    {
        var closure = TestPaths.Dag(8);
        var store = FakeStore.With(closure);
        var plan = await PushPlan.CreateAsync([closure[^1].Path], store, new PathFilter(new WatchOptions()), Ct);
        var held = new ConcurrentDictionary<(string, StorePath), bool>();
        var caches = new[] { "a", "b" }.Select(name => (name, cache: new FakeCache { OnUpload = info => held[(name, info.Path)] = store.IsHeld(info.Path) })).ToList();
        var targets = caches.Select(c => new CacheTarget(new FileCacheOptions { Name = c.name, Path = "/unused", SigningKeyFile = "/unused" }, c.cache));
        using var push = new OneShotPush(targets, store, NoNarSource.Instance, NullLogger.Instance);

        var summary = await push.PushAsync(plan, new ConsoleOutput(TextWriter.Null, TextWriter.Null, quiet: true), Ct);

        Assert.Equal(0, summary.Failed);
        Assert.Equal(2 * closure.Count, held.Count);
        Assert.All(held, h => Assert.True(h.Value, $"{h.Key} was not held while it went up"));
        Assert.Equal(1, store.HoldCalls);
        Assert.Empty(store.TempRoots);
    }

    [Fact]
    public async Task PushAsync_CacheThatCannotBeSetUp_StillReleasesTheRoots()
    {
        var closure = TestPaths.Dag(3);
        var store = FakeStore.With(closure);
        var plan = await PushPlan.CreateAsync([closure[^1].Path], store, new PathFilter(new WatchOptions()), Ct);
        var cache = new FakeCache { FailInitialize = new IOException("unreachable") };
        using var push = new OneShotPush([new CacheTarget(new FileCacheOptions { Name = "a", Path = "/unused", SigningKeyFile = "/unused" }, cache)], store, NoNarSource.Instance, NullLogger.Instance);

        var summary = await push.PushAsync(plan, new ConsoleOutput(TextWriter.Null, TextWriter.Null, quiet: true), Ct);

        Assert.Equal(closure.Count, summary.Failed);
        Assert.Empty(store.TempRoots);
    }
}
