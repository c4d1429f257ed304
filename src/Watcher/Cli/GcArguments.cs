namespace Watcher.Cli;

/// <summary>The options of <c>nix-watcher gc</c> besides the caches.</summary>
internal sealed record GcArguments(int KeepDays, string? Grace, string[] Keep, bool KeepRoots, bool DryRun, bool Json);
