namespace Watcher.Core;

/// <summary>One stage as <see cref="StageMonitor.Check"/> saw it.</summary>
/// <param name="Name">The stage: <c>inotify</c>, <c>planner</c> or <c>cache NAME</c>.</param>
/// <param name="State">What it is doing.</param>
/// <param name="Since">While working or stuck: when it last moved.</param>
internal readonly record struct StageHealth(string Name, StageState State, DateTimeOffset? Since);
