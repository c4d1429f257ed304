namespace Watcher.Core;

/// <summary>
/// The smallest <c>gc</c> settings that cannot delete what a running writer has just relied on, and the writers'
/// side of that bargain. The reasoning is in docs/operations.md ("Keeping a cache healthy: verify and gc").
/// </summary>
/// <remarks>
/// <para>A writer that finds a path already in the cache and relies on it (it skips the upload, or publishes a path
/// that refers to it) refreshes the narinfo when it is older than <see cref="RefreshAfter"/>. So a narinfo a writer
/// relied on at time t was modified after t − 1 day; <c>gc</c> only deletes narinfos older than keep-days. With
/// keep-days ≥ 2 days a writer has at least a day between finding a path and publishing what refers to it, after
/// which the new narinfo keeps the old one alive through its closure.</para>
/// <para>The daemon does not ask the cache again about a reference it confirmed there within
/// <see cref="TrustConfirmedFor"/>: half of that day, so that the other half is left for the push itself.</para>
/// <para>A NAR goes up before its narinfo; until the narinfo is published nothing names the NAR, and only its age
/// protects it. The grace period bounds the time from a NAR's upload to its narinfo's publication, plus the
/// clock difference between the machine running <c>gc</c> and the server. A writer whose NAR waited longer than
/// <see cref="NarRefreshAfter"/> for its references refreshes it before publishing the narinfo.</para>
/// </remarks>
internal static class GcLimits
{
    /// <summary>A writer refreshes what it relies on when it is older than this.</summary>
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromDays(1);

    /// <summary>The smallest keep-days: <see cref="RefreshAfter"/> plus a day for the longest push.</summary>
    public const int MinKeepDays = 2;

    /// <summary>The smallest grace period: a NAR's upload to its narinfo, plus clock skew.</summary>
    public static readonly TimeSpan MinGrace = TimeSpan.FromHours(1);

    /// <summary>The default grace period.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromHours(24);

    /// <summary>
    /// How long the daemon takes its own record that a cache has a path as fresh enough to publish a referrer over:
    /// the record says the narinfo was at most <see cref="RefreshAfter"/> old when it was made, so until
    /// <c>MinKeepDays − RefreshAfter</c> (a day) later no allowed <c>gc</c> deletes it; this leaves half a day for the push.
    /// </summary>
    public static readonly TimeSpan TrustConfirmedFor = TimeSpan.FromHours(12);

    /// <summary>A NAR whose narinfo is published longer than this after it went up (or was found) is refreshed first: a quarter of <see cref="MinGrace"/>.</summary>
    public static readonly TimeSpan NarRefreshAfter = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a writer waits after a refresh before it looks again whether the object is still there: longer than a
    /// <c>gc</c> that read the old time just before the refresh takes to send its delete, which S3 cannot make conditional.
    /// </summary>
    public static readonly TimeSpan RefreshSettle = TimeSpan.FromSeconds(3);

    /// <summary>The shortest interval between two scheduled collections of one cache (each lists the whole cache).</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromHours(1);

    /// <summary>The default interval between two scheduled collections of one cache.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromDays(1);

    /// <summary>Checks <c>--keep-days</c> and <c>--grace</c>; returns the message for a refused setting, or <see langword="null"/>.</summary>
    /// <param name="keepDays">The keep-days setting.</param>
    /// <param name="grace">The grace period.</param>
    /// <param name="keepDaysName">How the message names the keep-days setting (an option, or a config key).</param>
    /// <param name="graceName">How the message names the grace setting.</param>
    public static string? Validate(int keepDays, TimeSpan grace, string keepDaysName = "--keep-days", string graceName = "--grace") =>
        ValidateKeepDays(keepDays, keepDaysName) ?? ValidateGrace(grace, graceName);

    /// <summary>The message for a refused keep-days setting, or <see langword="null"/>.</summary>
    public static string? ValidateKeepDays(int keepDays, string name = "--keep-days") => keepDays < MinKeepDays
        ? $"{name} {keepDays} is below the minimum of {MinKeepDays}: writers refresh a path they rely on only once it is a day old, "
            + "so a shorter window could delete a path a running push has just found in the cache and is about to refer to"
        : null;

    /// <summary>The message for a refused grace period, or <see langword="null"/>.</summary>
    public static string? ValidateGrace(TimeSpan grace, string name = "--grace") => grace < MinGrace
        ? $"{name} {GcDuration.Format(grace)} is below the minimum of {GcDuration.Format(MinGrace)}: a writer uploads a NAR before its narinfo, "
            + "and a shorter grace period could delete a NAR whose narinfo is about to be published"
        : null;
}
