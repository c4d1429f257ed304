using Watcher.Nix;

namespace Watcher.Push;

/// <summary>What a repair's push did.</summary>
/// <param name="Outcomes">The outcome for each path of the closures pushed.</param>
/// <param name="Excluded">The roots that <c>exclude</c> or <c>skip-derivations</c> keep out, not pushed, each with the matching path its exclusion comes from.</param>
internal sealed record RepairPushResult(IReadOnlyDictionary<StorePath, PathOutcome> Outcomes, IReadOnlyDictionary<StorePath, StorePath> Excluded);
