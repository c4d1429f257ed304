namespace Watcher.Maintenance;

/// <summary><c>verify --json</c>: one entry per cache, and whether all of them are clean.</summary>
internal sealed record VerifyReport(IReadOnlyList<VerifyCacheReport> Caches)
{
    public bool Clean => Caches.All(c => c.Clean);
}
