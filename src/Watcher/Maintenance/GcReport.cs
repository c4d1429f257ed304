namespace Watcher.Maintenance;

/// <summary><c>gc --json</c>: one entry per cache.</summary>
internal sealed record GcReport(IReadOnlyList<GcCacheReport> Caches);
