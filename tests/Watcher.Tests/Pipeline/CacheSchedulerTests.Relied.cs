using Watcher.Core;
using Watcher.Nix;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Pipeline;

/// <content>References outside a round that the journal knows pushed: trusted for a while, then made sure of.</content>
public sealed partial class CacheSchedulerTests
{
    [Fact]
    public async Task Run_ReferenceConfirmedLately_IsTrustedWithoutAsking()
    {
        var (reference, referrer) = KnownReferenceAndNewReferrer(_h.Time.GetUtcNow() - GcLimits.TrustConfirmedFor + TimeSpan.FromMinutes(5));
        _h.Cache.Present.Add(reference.Path);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        Assert.Equal([referrer.Path], Assert.Single(_h.Cache.Lookups));
        Assert.Equal([referrer.Path], _h.Cache.Published);
    }

    [Fact]
    public async Task Run_ReferenceConfirmedLongAgo_IsAskedAndRefreshedWithTheRoundAndConfirmedAgain()
    {
        var (reference, referrer) = KnownReferenceAndNewReferrer(_h.Time.GetUtcNow() - GcLimits.TrustConfirmedFor - TimeSpan.FromMinutes(5));
        _h.Cache.Present.Add(reference.Path);
        _h.Cache.Aged.Add(reference.Path);

        _h.Start();
        await _h.UntilAsync(() => _h.State.CountPending(Cache) == 0, "the journal is empty");

        Assert.Equal(new HashSet<StorePath> { reference.Path, referrer.Path }, Assert.Single(_h.Cache.Lookups).ToHashSet());
        Assert.Equal([reference.Path], _h.Cache.Refreshed);
        Assert.Equal([referrer.Path], _h.Cache.Published);
        Assert.Single(_h.State.ConfirmedSince(Cache, [reference.Path], _h.Time.GetUtcNow()));
    }

    [Fact]
    public async Task Run_ReferenceTheJournalKnowsButTheCacheLost_IsPushedAgainBeforeItsReferrer()
    {
        // Known from a version that did not record when (confirmed at 0), and since removed from the cache by a gc.
        var (reference, referrer) = KnownReferenceAndNewReferrer(confirmedAt: null);

        _h.Start();
        await _h.UntilAsync(() => _h.Cache.Published.Count == 2, "both are published");

        Assert.Equal([reference.Path, referrer.Path], _h.Cache.Published);
        Assert.Equal(0, _h.State.CountPending(Cache));
        Assert.Equal(2, _h.State.FilterPushed(Cache, [reference.Path, referrer.Path]).Count);
    }

    /// <summary>A reference in the store that the journal knows pushed (confirmed at <paramref name="confirmedAt"/>), and a new path referring to it, journaled.</summary>
    private (PathInfo Reference, PathInfo Referrer) KnownReferenceAndNewReferrer(DateTimeOffset? confirmedAt)
    {
        var reference = TestPaths.Info("known", []);
        var referrer = TestPaths.Info("new", [reference.Path]);
        _h.Store.Add([reference]);
        _h.State.MarkPushed(Cache, [reference.Path], confirmedAt);
        _h.Journal([referrer]);
        return (reference, referrer);
    }
}
