using Watcher.Caches;
using Watcher.Nix;

namespace Watcher.Push;

/// <summary>
/// A cache that also reports the given paths as missing, so a push uploads their NARs and then writes their narinfos
/// over the damaged ones in place: the path is never without a narinfo while it is repaired.
/// </summary>
internal sealed class ForcedMissingCache(IBinaryCache inner, IReadOnlySet<StorePath> forced) : IBinaryCache
{
    public string Name => inner.Name;

    public bool PublishesOnUpload => inner.PublishesOnUpload;

    public IReadOnlyCollection<string> UpstreamKeyNames => inner.UpstreamKeyNames;

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public async Task<CacheLookup> LookupAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken)
    {
        var lookup = await inner.LookupAsync(paths, cancellationToken);
        var missing = new HashSet<StorePath>(lookup.Missing);
        missing.UnionWith(paths.Where(forced.Contains));
        return lookup with { Missing = missing, Aged = lookup.Aged.Where(p => !forced.Contains(p)).ToHashSet() };
    }

    public Task<CacheLookup> RefreshAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) => inner.RefreshAsync(paths, cancellationToken);

    public Task<bool> RefreshNarAsync(NarInfo narInfo, CancellationToken cancellationToken) => inner.RefreshNarAsync(narInfo, cancellationToken);

    public Task<NarInfo> UploadNarAsync(PathInfo info, INarSource source, CancellationToken cancellationToken) =>
        inner.UploadNarAsync(info, source, cancellationToken);

    public Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken) => inner.PublishAsync(narInfo, cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
