using Watcher.Caches;
using Watcher.Nar;
using Watcher.Nix;

namespace Watcher.Tests.Caches;

/// <summary>A NAR source for caches that never read NARs (the fakes) or for paths that must not be read.</summary>
internal sealed class NoNarSource : INarSource
{
    public static readonly NoNarSource Instance = new();

    public Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"the NAR of {info.Path} was read");
}
