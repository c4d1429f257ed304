using Watcher.Pipeline;

namespace Watcher.Tests.Pipeline;

public sealed class ScanPathsTests : IDisposable
{
    private const string Hash = "0123456789abcdfghijklmnpqrsvwxyz";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("scan-paths-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Store => Path.Combine(_root.FullName, "store");

    [Fact]
    public void ResolveRoots_ProfileLinkMissingRootAndNonStoreRoot_ResolvesOnlyTheLinkAndSaysWhyForTheRest()
    {
        string output = Path.Combine(Store, Hash + "-hello-2.12");
        Directory.CreateDirectory(output);
        string profile = Path.Combine(_root.FullName, "profile");
        File.CreateSymbolicLink(profile, output);
        string missing = Path.Combine(_root.FullName, "no-such-profile");
        var skipped = new List<SkippedRoot>();

        var roots = ScanPaths.ResolveRoots([profile, missing, _root.FullName, profile], Store, skipped);

        Assert.Equal([output], roots.Select(r => r.FullPath));
        Assert.Equal(2, skipped.Count);
        Assert.Equal(new SkippedRoot(missing, "does not exist", Missing: true), skipped[0]);
        Assert.False(skipped[1].Missing);
        Assert.Contains("is not in the Nix store", skipped[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveRoots_FileInsideAStorePath_ResolvesToThatStorePath()
    {
        string output = Path.Combine(Store, Hash + "-hello-2.12");
        Directory.CreateDirectory(Path.Combine(output, "bin"));
        File.WriteAllText(Path.Combine(output, "bin", "hello"), string.Empty);
        var skipped = new List<SkippedRoot>();

        var roots = ScanPaths.ResolveRoots([Path.Combine(output, "bin", "hello")], Store, skipped);

        Assert.Equal(output, Assert.Single(roots).FullPath);
        Assert.Empty(skipped);
    }
}
