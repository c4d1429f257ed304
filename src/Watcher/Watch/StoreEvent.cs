namespace Watcher.Watch;

/// <summary>What the store watcher saw.</summary>
internal enum StoreEventKind
{
    /// <summary>A <c>X.lock</c> was deleted: X may just have become valid (or its build failed).</summary>
    LockRemoved,

    /// <summary>The kernel dropped events (<c>IN_Q_OVERFLOW</c>): something may have been missed, rescan.</summary>
    Overflow,
}

/// <summary>One event from the store directory; <see cref="Name"/> is the store path's base name.</summary>
internal readonly record struct StoreEvent(StoreEventKind Kind, string? Name);
