using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>
/// One configured binary cache. Uploading is two steps so the caller can keep the closure invariant:
/// NARs may go up in any order and in parallel, but <see cref="PublishAsync"/> (the narinfo) is called
/// only after every reference of the path has been published. Implementations send every request through
/// their <see cref="IRequestPolicy"/>; callers never retry.
/// </summary>
internal interface IBinaryCache
{
    string Name { get; }

    /// <summary>
    /// True when uploading the NAR itself makes the path visible (Attic creates the path on upload):
    /// then the NAR goes up only after every reference is published, and <see cref="PublishAsync"/> is a no-op.
    /// </summary>
    bool PublishesOnUpload { get; }

    /// <summary>
    /// Signing-key names the cache itself says are upstream (Attic's <c>upstream_cache_key_names</c>):
    /// paths signed by them are not pushed. Known after <see cref="InitializeAsync"/>.
    /// </summary>
    IReadOnlyCollection<string> UpstreamKeyNames => [];

    /// <summary>Creates what the cache needs before the first upload (e.g. <c>nix-cache-info</c>) and reads its settings.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Asks which of <paramref name="paths"/> the cache lacks. A path whose own lookup failed is
    /// <see cref="CacheLookup.Unknown"/>; the call throws only when the cache could not be asked at all.
    /// </summary>
    Task<CacheLookup> LookupAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken);

    /// <summary>Streams the NAR of <paramref name="info"/> to the cache, verifying its hash on the way.</summary>
    /// <returns>The narinfo to publish once the references are published.</returns>
    Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken);

    /// <summary>Signs (where the cache signs client-side) and writes the narinfo, making the path visible.</summary>
    Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="PublishAsync"/>, where the cache can tell that another writer's narinfo for the path was in place
    /// first (S3 with <c>If-None-Match: *</c>): that one stays.
    /// </summary>
    /// <returns>False when another writer's narinfo was there first: the path is present, not pushed.</returns>
    async Task<bool> TryPublishAsync(NarInfo narInfo, CancellationToken cancellationToken)
    {
        await PublishAsync(narInfo, cancellationToken);
        return true;
    }

    /// <summary>
    /// Sets the last-modified time of the narinfos of <paramref name="paths"/> (which <see cref="LookupAsync"/> found
    /// <see cref="CacheLookup.Aged"/>) to now, so that <c>gc</c> sees them in use, then looks again after
    /// <see cref="GcLimits.RefreshSettle"/> that they are still there.
    /// </summary>
    /// <returns>
    /// <see cref="CacheLookup.Missing"/>: the paths the cache no longer has, or could not refresh: whoever relies on them
    /// publishes them again. <see cref="CacheLookup.Unknown"/>: those whose refresh failed. Caches that keep their own
    /// retention (Attic) refresh nothing.
    /// </returns>
    Task<CacheLookup> RefreshAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) =>
        Task.FromResult(CacheLookup.Exactly(new HashSet<StorePath>()));

    /// <summary>
    /// Refreshes the NAR object of <paramref name="narInfo"/> before its narinfo is published, when it went up longer
    /// than <see cref="GcLimits.NarRefreshAfter"/> ago: until the narinfo names it, only its age keeps <c>gc</c> away.
    /// </summary>
    /// <returns>False when the NAR object is gone (or could not be refreshed): it must go up again first.</returns>
    Task<bool> RefreshNarAsync(NarInfo narInfo, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <summary>
    /// The cache's objects as keys through the client and request policy it pushes with (an <c>s3</c> cache), so that
    /// retention shares its connections, limits and breaker; <see langword="null"/> where retention opens its own
    /// (<c>file</c>) or the server keeps its own (Attic). Owned by the cache: callers do not dispose it.
    /// </summary>
    ICacheObjects? Objects => null;

    /// <summary>Whether the cache has a <c>nix-cache-info</c> whose identity tells that it was wiped (<c>file</c> and <c>s3</c>).</summary>
    bool HasCacheInfo => false;

    /// <summary>The identity of the cache's <c>nix-cache-info</c>, or <see langword="null"/> when it does not exist (see <see cref="HasCacheInfo"/>).</summary>
    Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken) => Task.FromResult<CacheInfoIdentity?>(null);

    /// <summary>
    /// Completes once everything published so far would survive a power cut; called before outcomes are recorded.
    /// Caches that confirm each write over the network are durable already.
    /// </summary>
    Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
