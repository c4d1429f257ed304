namespace Watcher.IntegrationTests.Packaging;

/// <summary>Finds the repository the tests were built from and the packaging files in it.</summary>
public static class RepoFiles
{
    private static readonly string[] SkippedDirectories = ["bin", "obj", ".git", ".artifacts", "node_modules"];

    /// <summary>The repository root: the nearest ancestor of the test binaries holding <c>Watcher.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    public static string UnitFile => Path.Combine(Root, "systemd", "nix-watcher.service");

    /// <summary>
    /// The vendored sources the packaging tests evaluate against (home-manager, nixpkgs' lib and module files):
    /// <c>../shared/vendor</c> beside the checkout, or <c>WATCHER_VENDOR_DIR</c>. Missing, the tests that need it fail.
    /// </summary>
    public static string Vendor
    {
        get
        {
            string dir = System.Environment.GetEnvironmentVariable("WATCHER_VENDOR_DIR") is { Length: > 0 } given
                ? given
                : Path.GetFullPath(Path.Combine(Root, "..", "shared", "vendor"));
            return Directory.Exists(Path.Combine(dir, "home-manager", "modules")) && Directory.Exists(Path.Combine(dir, "nixpkgs-lib", "lib"))
                ? dir
                : throw new InvalidOperationException(
                    $"no vendored home-manager and nixpkgs lib at {dir} (expected ../shared/vendor beside the checkout, or WATCHER_VENDOR_DIR)");
        }
    }

    public static string HomeManagerEval => Path.Combine(Root, "tests", "Watcher.IntegrationTests", "Packaging", "hm-eval.nix");

    /// <summary>Every <c>.nix</c> file in the repository, relative to <see cref="Root"/>.</summary>
    public static IEnumerable<string> NixFiles() => Walk(Root)
        .Where(f => f.EndsWith(".nix", StringComparison.Ordinal))
        .Select(f => Path.GetRelativePath(Root, f))
        .Order(StringComparer.Ordinal);

    private static IEnumerable<string> Walk(string directory)
    {
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            yield return file;
        }

        foreach (string child in Directory.EnumerateDirectories(directory))
        {
            if (!SkippedDirectories.Contains(Path.GetFileName(child)))
            {
                foreach (string file in Walk(child))
                {
                    yield return file;
                }
            }
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Watcher.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Watcher.sln above {AppContext.BaseDirectory}");
    }
}
