namespace Watcher.Maintenance;

/// <summary>A number of objects and their bytes.</summary>
internal sealed record ObjectCount(long Count, long Bytes);
