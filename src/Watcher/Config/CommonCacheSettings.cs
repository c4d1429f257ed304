namespace Watcher.Config;

/// <summary>The keys every cache type has, read before the type's own.</summary>
internal sealed record CommonCacheSettings(int Jobs, IReadOnlyList<string> SkipSignedBy, RetryOptions Retry, RateSchedule? MaxUploadRate = null);
