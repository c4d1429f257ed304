using Watcher.IntegrationTests.Packaging;

namespace Watcher.IntegrationTests.Contrib;

/// <summary>The monitoring files shipped in <c>contrib/</c> and the docs that describe them.</summary>
public static class ContribFiles
{
    public static string Rules => Path.Combine(RepoFiles.Root, "contrib", "prometheus", "nix-watcher.rules.yml");

    public static string RuleTests => Path.Combine(RepoFiles.Root, "contrib", "prometheus", "nix-watcher.rules.test.yml");

    public static string Dashboard => Path.Combine(RepoFiles.Root, "contrib", "grafana", "nix-watcher.json");

    public static string MetricsDoc => Path.Combine(RepoFiles.Root, "docs", "metrics.md");

    public static string OperationsDoc => Path.Combine(RepoFiles.Root, "docs", "operations.md");
}
