using Watcher.Config;
using Watcher.Nix;
using Watcher.Push;

namespace Watcher.Pipeline;

/// <summary>What a one-shot scan covers: the resolved roots, the roots it skipped, and the plan for their closures.</summary>
internal sealed record ScanSet(ScanMode Mode, IReadOnlyList<StorePath> Roots, IReadOnlyList<SkippedRoot> Skipped, PushPlan Plan);
