using System.Text.RegularExpressions;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Push;

public sealed class PathFilterTests
{
    private static readonly PathFilter Filter = new(new WatchOptions { SkipDerivations = true, Exclude = [new Regex("^texlive-", RegexOptions.NonBacktracking)] });

    [Theory]
    [InlineData("hello-2.12", false)]
    [InlineData("hello-2.12.drv", true)]
    [InlineData("texlive-full-2024", true)]
    [InlineData("my-texlive-full", false)]
    public void MatchesExclude_NameAndDerivations_MatchOnlyWhatIsConfigured(string name, bool expected) =>
        Assert.Equal(expected, Filter.MatchesExclude(StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-" + name)));

    [Fact]
    public void MatchesExclude_SkipDerivationsOff_KeepsDerivations() =>
        Assert.False(new PathFilter(new WatchOptions { SkipDerivations = false }).MatchesExclude(StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-a.drv")));

    [Fact]
    public void Excluded_PathReferringToAnExcludedOne_IsExcludedTransitivelyWithItsCause()
    {
        // texlive <- doc <- app, and lib <- app; tool is unrelated.
        var texlive = Info("texlive-full");
        var doc = Info("doc", texlive);
        var lib = Info("lib");
        var app = Info("app", doc, lib);
        var tool = Info("tool", lib);

        var excluded = Filter.Excluded(ClosureOrder.Sort([app, tool, doc, lib, texlive]));

        Assert.Equal(texlive.Path, excluded[texlive.Path]);
        Assert.Equal(texlive.Path, excluded[doc.Path]);
        Assert.Equal(texlive.Path, excluded[app.Path]);
        Assert.False(excluded.ContainsKey(lib.Path));
        Assert.False(excluded.ContainsKey(tool.Path));
    }

    [Fact]
    public void Excluded_ReferenceOutsideTheList_IsJudgedByItsName()
    {
        var outside = StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-texlive-base");
        var app = TestPaths.Info("app", [outside]);

        Assert.Equal(outside, Filter.Excluded([app])[app.Path]);
    }

    [Theory]
    [InlineData("cache.nixos.org-1:c2ln", true)]
    [InlineData("attic-upstream-1:c2ln", true)]
    [InlineData("cache.nixos.org-10:c2ln", false)]
    [InlineData("mine-1:c2ln", false)]
    public void IsUpstream_SignatureByAnUpstreamKey_IsUpstream(string signature, bool expected)
    {
        var info = Info("glibc") with { Signatures = [signature] };

        Assert.Equal(expected, PathFilter.IsUpstream(info, ["cache.nixos.org-1", "attic-upstream-1"]));
    }

    private static PathInfo Info(string name, params PathInfo[] references) => TestPaths.Info(name, [.. references.Select(r => r.Path)]);
}
