using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Nar;
using Watcher.Nix;
using Watcher.Upload;

namespace Watcher.Tests.Upload;

public sealed class PushSessionTests
{
    private static readonly INarSource NoSource = new ThrowingSource();

    [Fact]
    public async Task PushAsync_Dag_PublishesEveryReferenceBeforeItsReferrerThenFlushesOnce()
    {
        var closure = Dag(40);
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

        Assert.True(cache.Initialized);
        Assert.Equal([40], cache.Flushes);
    }

    [Fact]
    public async Task PushAsync_CacheThatPublishesOnUpload_UploadsReferencesFirst()
    {
        var closure = Dag(25);
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
    public async Task PushAsync_Jobs_BoundsParallelUploads()
    {
        var cache = new FakeCache();

        await CreateSut(cache, jobs: 3).PushAsync(Independent(30), TestContext.Current.CancellationToken);

        Assert.InRange(cache.MaxInFlight, 2, 3);
    }

    [Fact]
    public async Task PushAsync_PathAlreadyInCache_IsSkipped()
    {
        var closure = Dag(5);
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
        var closure = Dag(6);
        var unrelated = Independent(1, "zz")[0];
        var cache = new FakeCache();
        cache.FailNar.Add(closure[0].Path);

        var result = await CreateSut(cache, jobs: 2).PushAsync([.. closure, unrelated], TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Failed, result[closure[0].Path].Kind);
        Assert.Contains("server said no", result[closure[0].Path].Error, StringComparison.Ordinal);
        Assert.Equal(PathOutcomeKind.Failed, result[closure[1].Path].Kind);
        Assert.Contains(closure[0].Path.FullPath, result[closure[1].Path].Error, StringComparison.Ordinal);
        Assert.Equal(PathOutcomeKind.Pushed, result[unrelated.Path].Kind);
        Assert.DoesNotContain(closure[1].Path, cache.Published);
    }

    [Fact]
    public async Task PushAsync_FlushFails_NothingCountsAsPushed()
    {
        var closure = Dag(4);
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
        var closure = Dag(3);
        var cache = new FakeCache();
        cache.Present.UnionWith(closure.Select(p => p.Path));

        await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Empty(cache.Flushes);
    }

    [Fact]
    public async Task PushAsync_CacheUnusable_EveryPathFailsWithTheCacheError()
    {
        var closure = Dag(4);
        var cache = new FakeCache { FailInitialize = new CacheUploadException("bucket 'b' at http://s3: cannot reach the endpoint", CacheFailureKind.Transient) };

        var result = await CreateSut(cache, jobs: 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(4, result.Count);
        Assert.All(result.Values, o => Assert.Equal(PathOutcomeKind.Failed, o.Kind));
        Assert.All(result.Values, o => Assert.Contains("cannot reach the endpoint", o.Error, StringComparison.Ordinal));
        Assert.Empty(cache.Uploaded);
    }

    [Fact]
    public async Task PushAsync_SkipSignedBy_UpstreamPathsAreNotPushedButReferrersAre()
    {
        var closure = Dag(3);
        closure[0] = closure[0] with { Signatures = ["cache.nixos.org-1:c2ln"] };
        closure[1] = closure[1] with { Signatures = ["cache.nixos.org-10:c2ln"] };
        var cache = new FakeCache();
        var sut = new PushSession(cache, NoSource, 2, NullLogger.Instance) { SkipSignedBy = ["cache.nixos.org-1"] };

        var result = await sut.PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Present, result[closure[0].Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[closure[1].Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[closure[2].Path].Kind);
        Assert.False(cache.Uploaded.ContainsKey(closure[0].Path));
    }

    [Fact]
    public async Task PushAsync_CacheNamesUpstreamKeys_PathsSignedByThemAreNotPushed()
    {
        var closure = Dag(2);
        closure[0] = closure[0] with { Signatures = ["upstream-1:c2ln"] };
        var cache = new FakeCache { UpstreamKeyNames = ["upstream-1"] };

        var result = await CreateSut(cache, 2).PushAsync(closure, TestContext.Current.CancellationToken);

        Assert.Equal(PathOutcomeKind.Present, result[closure[0].Path].Kind);
        Assert.Equal(PathOutcomeKind.Pushed, result[closure[1].Path].Kind);
        Assert.False(cache.Uploaded.ContainsKey(closure[0].Path));
    }

    [Fact]
    public async Task PushAsync_ClosureOutOfOrder_Throws()
    {
        var closure = Dag(3);

        await Assert.ThrowsAsync<ArgumentException>(() => CreateSut(new FakeCache(), 1).PushAsync([closure[2], closure[1], closure[0]], TestContext.Current.CancellationToken));
    }

    private static PushSession CreateSut(FakeCache cache, int jobs) => new(cache, NoSource, jobs, NullLogger.Instance);

    /// <summary>Path i references i-1 and i/2 (and itself), like a real closure.</summary>
    internal static List<PathInfo> Dag(int count, string prefix = "p")
    {
        var list = new List<PathInfo>();
        for (int i = 0; i < count; i++)
        {
            var path = MakePath(prefix, i);
            var refs = new List<StorePath> { path };
            if (i > 0)
            {
                refs.Add(list[i - 1].Path);
                refs.Add(list[i / 2].Path);
            }

            list.Add(new PathInfo { Path = path, NarHash = new byte[32], NarSize = 8, References = refs.Distinct().ToList() });
        }

        return list;
    }

    private static List<PathInfo> Independent(int count, string prefix = "q") =>
        Enumerable.Range(0, count).Select(i => new PathInfo { Path = MakePath(prefix, i), NarHash = new byte[32], NarSize = 8, References = [] }).ToList();

    private static StorePath MakePath(string prefix, int i) =>
        StorePath.FromBaseName(Nix32.Encode(NixHash.Sha256(System.Text.Encoding.UTF8.GetBytes(prefix + i)).AsSpan(0, 20)) + "-" + prefix + i);

    private sealed class ThrowingSource : INarSource
    {
        public Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the fake cache never reads NARs");
    }
}
