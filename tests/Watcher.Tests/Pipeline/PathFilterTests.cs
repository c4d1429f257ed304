using System.Text.RegularExpressions;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.Tests.Upload;

namespace Watcher.Tests.Pipeline;

public sealed class PathFilterTests
{
    [Theory]
    [InlineData("hello-2.12", null, null)]
    [InlineData("hello-2.12.drv", null, "Excluded")]
    [InlineData("texlive-full-2024", null, "Excluded")]
    [InlineData("glibc-2.39", "cache.nixos.org-1:c2ln", "Upstream")]
    [InlineData("glibc-2.39", "attic-upstream-1:c2ln", "Upstream")]
    [InlineData("glibc-2.39", "mine-1:c2ln", null)]
    public void Check_ConfiguredFilters_SkipWithTheRightReason(string name, string? signature, string? expected)
    {
        var filter = new PathFilter(new WatchOptions { SkipDerivations = true, Exclude = [new Regex("^texlive-", RegexOptions.NonBacktracking)] });
        var cache = new UpstreamCache(["attic-upstream-1"]);
        var target = new CacheTarget(new FileCacheOptions { Name = "c", Path = "/tmp/c", SigningKeyFile = "/k", SkipSignedBy = ["cache.nixos.org-1"] }, cache);
        var info = new PathInfo
        {
            Path = StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-" + name),
            NarHash = new byte[32],
            NarSize = 8,
            References = [],
            Signatures = signature is null ? [] : [signature],
        };

        Assert.Equal(expected, filter.Check(info, target)?.ToString());
    }

    private sealed class UpstreamCache(IReadOnlyCollection<string> upstream) : Watcher.Upload.IBinaryCache
    {
        private readonly FakeCache _inner = new();

        public string Name => "c";

        public bool PublishesOnUpload => false;

        public IReadOnlyCollection<string> UpstreamKeyNames => upstream;

        public Task InitializeAsync(CancellationToken cancellationToken) => _inner.InitializeAsync(cancellationToken);

        public Task<IReadOnlySet<StorePath>> FindMissingAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) => _inner.FindMissingAsync(paths, cancellationToken);

        public Task<NarInfo> UploadNarAsync(PathInfo info, Watcher.Upload.INarSource source, CancellationToken cancellationToken) => _inner.UploadNarAsync(info, source, cancellationToken);

        public Task PublishAsync(NarInfo narInfo, CancellationToken cancellationToken) => _inner.PublishAsync(narInfo, cancellationToken);
    }
}
