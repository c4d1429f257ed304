using Watcher.Core;

namespace Watcher.Config;

/// <summary>
/// A cache's <c>[caches.NAME.retention]</c> table: the daemon runs <c>gc</c> on it every <see cref="Interval"/>, as
/// <c>nix-watcher gc --keep-days KeepDays --grace Grace</c> would, and checks the listing with <c>verify</c>'s checks.
/// </summary>
internal sealed record RetentionOptions
{
    /// <summary>Narinfos modified (published, or refreshed by a writer) within this many days stay, with their closures (<c>keep-days</c>).</summary>
    /// <value>Required; at least <see cref="GcLimits.MinKeepDays"/>, so that no collection deletes what a running writer relies on.</value>
    public required int KeepDays { get; init; }

    /// <summary>The time between two collections (<c>interval</c>).</summary>
    /// <value>The default value is 1 day: each collection lists the whole cache, and what it deletes is days old anyway.</value>
    public TimeSpan Interval { get; init; } = GcLimits.DefaultInterval;

    /// <summary>Everything modified within this stays (<c>grace</c>): a NAR goes up before the narinfo that names it.</summary>
    /// <value>The default value is 24 h, <c>gc</c>'s own.</value>
    public TimeSpan Grace { get; init; } = GcLimits.DefaultGrace;
}
