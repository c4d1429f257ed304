namespace Watcher.Pipeline;

/// <summary>A configured scan root that is not scanned, and why.</summary>
/// <param name="Root">The root as configured (expanded).</param>
/// <param name="Reason">Why it is skipped, for a message.</param>
/// <param name="Missing">True when the root does not exist at all (a profile not created yet), which is common and harmless.</param>
internal sealed record SkippedRoot(string Root, string Reason, bool Missing);
