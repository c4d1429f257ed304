namespace Watcher.Config;

/// <summary>One entry of a <see cref="RateSchedule"/>: from <paramref name="At"/>, <paramref name="BytesPerSecond"/> (null: no limit).</summary>
internal sealed record RateChange(TimeOnly At, long? BytesPerSecond);
