namespace Watcher.Core;

/// <summary>What a pipeline stage is doing, as the watchdog and <c>status</c> see it.</summary>
internal enum StageState
{
    /// <summary>Not started yet, or ended (crashed or finished): the watchdog stops.</summary>
    NotRunning,

    /// <summary>Running with nothing to do, or waiting on purpose (a paused cache, a backoff).</summary>
    Idle,

    /// <summary>Running with work, and it moved recently.</summary>
    Working,

    /// <summary>Had work and made no progress for longer than its stage allows: the watchdog stops.</summary>
    Stuck,
}
