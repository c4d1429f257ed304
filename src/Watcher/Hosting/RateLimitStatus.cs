using System.Globalization;
using Watcher.Config;
using Watcher.Upload.Bandwidth;

namespace Watcher.Hosting;

/// <summary>A <c>max-upload-rate</c> as <c>status</c> and <c>limit</c> show it.</summary>
/// <param name="Schedule">The rate or timetable being followed (<c>off</c> for none).</param>
/// <param name="BytesPerSecond">The rate in force now; null for no limit.</param>
/// <param name="NextChangeAt">For a timetable: the local time of day its next entry starts (<c>HH:mm</c>).</param>
/// <param name="NextBytesPerSecond">The rate of that entry; null for no limit.</param>
internal sealed record RateLimitStatus(string Schedule, long? BytesPerSecond, string? NextChangeAt = null, long? NextBytesPerSecond = null)
{
    public static RateLimitStatus Of(ScheduledLimit limit) => limit.NextChange is { } next
        ? new(limit.Schedule.Text, limit.Current, next.At.ToString("HH:mm", CultureInfo.InvariantCulture), next.BytesPerSecond)
        : new(limit.Schedule.Text, limit.Current);

    /// <summary>For people: <c>4 MiB/s</c>, <c>off</c>, <c>1 MiB/s (timetable "…"; off from 23:00)</c>.</summary>
    public string Describe() => Schedule == "auto"
        ? $"auto, {UploadRate.Format(BytesPerSecond)} now"
        : NextChangeAt is { } at
        ? $"{UploadRate.Format(BytesPerSecond)} (timetable \"{Schedule}\"; {UploadRate.Format(NextBytesPerSecond)} from {at})"
        : UploadRate.Format(BytesPerSecond);
}
