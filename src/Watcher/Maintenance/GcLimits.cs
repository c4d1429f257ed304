namespace Watcher.Maintenance;

/// <summary>
/// The smallest <c>gc</c> settings that cannot delete what a running writer has just relied on, and the writers'
/// side of that bargain. The reasoning is in docs/operations.md ("Cleaning a cache: gc").
/// </summary>
/// <remarks>
/// <para>A writer that finds a path already in the cache and relies on it (it skips the upload, or publishes a path
/// that refers to it) refreshes the narinfo when it is older than <see cref="RefreshAfter"/>. So a narinfo a writer
/// relied on at time t was modified after t − 1 day; <c>gc</c> only deletes narinfos older than keep-days. With
/// keep-days ≥ 2 days a writer has at least a day between finding a path and publishing what refers to it, after
/// which the new narinfo keeps the old one alive through its closure.</para>
/// <para>A NAR goes up before its narinfo; until the narinfo is published nothing names the NAR, and only its age
/// protects it. The grace period bounds the time from a NAR's upload to its narinfo's publication, plus the
/// clock difference between the machine running <c>gc</c> and the server.</para>
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

    /// <summary>Checks <c>--keep-days</c> and <c>--grace</c>; returns the message for a refused setting, or <see langword="null"/>.</summary>
    public static string? Validate(int keepDays, TimeSpan grace)
    {
        if (keepDays < MinKeepDays)
        {
            return $"--keep-days {keepDays} is below the minimum of {MinKeepDays}: writers refresh a path they rely on only once it is a day old, "
                + "so a shorter window could delete a path a running push has just found in the cache and is about to refer to";
        }

        if (grace < MinGrace)
        {
            return $"--grace {GcDuration.Format(grace)} is below the minimum of {GcDuration.Format(MinGrace)}: a writer uploads a NAR before its narinfo, "
                + "and a shorter grace period could delete a NAR whose narinfo is about to be published";
        }

        return null;
    }
}
