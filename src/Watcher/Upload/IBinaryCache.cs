using Watcher.Nix;

namespace Watcher.Upload;

/// <summary>
/// One configured binary cache. Uploading is two steps so the caller can keep the closure invariant:
/// NARs may go up in any order and in parallel, but <see cref="PublishAsync"/> (the narinfo) is called
/// only after every reference of the path has been published. Implementations send every request through
/// their <see cref="Resilience.IRequestPolicy"/>; callers never retry.
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
    /// Completes once everything published so far would survive a power cut; called before outcomes are recorded.
    /// Caches that confirm each write over the network are durable already.
    /// </summary>
    Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
