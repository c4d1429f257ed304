namespace Watcher.Caches;

/// <summary>What <see cref="ICacheObjects.RefreshAsync"/> did.</summary>
internal enum RefreshOutcome
{
    /// <summary>The object's last-modified time is now (about) the time of the call.</summary>
    Refreshed,

    /// <summary>The object does not exist (any more): whoever relied on it must write it again.</summary>
    Missing,
}
