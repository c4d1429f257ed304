using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Caches;
using Watcher.Tests.Nix;
using Watcher.Tests.Store;

namespace Watcher.Tests.Push;

public sealed class RepairPushTests
{
    private static readonly PathFilter Filter = new(new WatchOptions { Exclude = [new Regex("^texlive-", RegexOptions.NonBacktracking)] });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PushAsync_DamagedPathTheConfigExcludes_IsNotPushedAndIsReportedWithItsCause()
    {
        // doc refers to texlive, which exclude matches; lib is not excluded. Both have damaged narinfos.
        var texlive = TestPaths.Info("texlive-full", []);
        var doc = TestPaths.Info("doc", [texlive.Path]);
        var lib = TestPaths.Info("lib", []);
        var store = FakeStore.With([texlive, doc, lib]);
        var cache = new FakeCache();
        cache.Present.UnionWith([texlive.Path, doc.Path, lib.Path]);
        var overwrite = new HashSet<StorePath> { doc.Path, lib.Path };

        var result = await RepairPush.PushAsync(CreateSession(cache, overwrite), Filter, store, [doc.Path, lib.Path], Ct);

        Assert.Equal([lib.Path], cache.Uploaded.Keys);
        Assert.Equal(PathOutcomeKind.Pushed, result.Outcomes[lib.Path].Kind);
        Assert.False(result.Outcomes.ContainsKey(doc.Path));
        Assert.Equal(texlive.Path, Assert.Single(result.Excluded).Value);
        Assert.Equal(doc.Path, result.Excluded.Keys.Single());
    }

    [Fact]
    public async Task PushAsync_SkipDerivations_KeepsADerivationOut()
    {
        var drv = new PathInfo { Path = StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-a.drv"), NarHash = new byte[32], NarSize = 8, References = [] };
        var store = FakeStore.With([drv]);
        var cache = new FakeCache();

        var result = await RepairPush.PushAsync(CreateSession(cache, new HashSet<StorePath>()), new PathFilter(new WatchOptions()), store, [drv.Path], Ct);

        Assert.Empty(cache.Uploaded);
        Assert.Equal(drv.Path, result.Excluded[drv.Path]);
    }

    [Fact]
    public async Task PushAsync_ForcedMissingPaths_GoUpAgainHeldAsTemporaryRoots()
    {
        var closure = TestPaths.Dag(4);
        var store = FakeStore.With(closure);
        var held = new Dictionary<StorePath, bool>();
        var cache = new FakeCache { OnUpload = store.NoteHeld(held) };
        cache.Present.UnionWith(closure.Select(p => p.Path));
        var damaged = closure[^1].Path;

        var result = await RepairPush.PushAsync(CreateSession(cache, new HashSet<StorePath> { damaged }), Filter, store, [damaged], Ct);

        Assert.Equal(PathOutcomeKind.Pushed, result.Outcomes[damaged].Kind);
        Assert.Equal([damaged], held.Keys);
        Assert.True(held[damaged]);
        Assert.Empty(result.Excluded);
        Assert.Empty(store.TempRoots);
    }

    [Fact]
    public async Task PushAsync_RootNoLongerValid_Fails()
    {
        var gone = TestPaths.Path("gone");

        var result = await RepairPush.PushAsync(CreateSession(new FakeCache(), new HashSet<StorePath>()), Filter, new FakeStore(), [gone], Ct);

        Assert.Equal(PathOutcomeKind.Failed, result.Outcomes[gone].Kind);
        Assert.Contains("no longer valid", result.Outcomes[gone].Error, StringComparison.Ordinal);
    }

    private static PushSession CreateSession(FakeCache cache, IReadOnlySet<StorePath> overwrite) =>
        new(new ForcedMissingCache(cache, overwrite), NoNarSource.Instance, 2, [], NullLogger.Instance);
}
