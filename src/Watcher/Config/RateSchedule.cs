using System.Globalization;
using System.Text.RegularExpressions;

namespace Watcher.Config;

/// <summary>
/// A <c>max-upload-rate</c>: one rate all day, or a timetable as rclone's <c>--bwlimit</c> takes it
/// (<c>"08:00,1M 19:00,512k 23:00,off"</c>, local time): each entry holds from its time until the next one, and the
/// last one holds over midnight until the first.
/// </summary>
internal sealed partial class RateSchedule
{
    /// <summary>What the error messages show as the accepted forms.</summary>
    public const string Expected = UploadRate.Expected + ", \"auto\", or a timetable such as \"08:00,1M 19:00,512k 23:00,off\"";

    private RateSchedule(IReadOnlyList<RateChange> changes, string text, bool isAuto = false)
    {
        Changes = changes;
        Text = text;
        IsAuto = isAuto;
    }

    /// <summary>No limit at any time.</summary>
    public static RateSchedule Off { get; } = new([new RateChange(TimeOnly.MinValue, null)], "off");

    /// <summary><c>"auto"</c>: the rate follows the queueing delay on the uplink (<c>AutoRate</c>), not a number.</summary>
    public static RateSchedule Auto { get; } = new([new RateChange(TimeOnly.MinValue, null)], "auto", isAuto: true);

    /// <summary>Whether the rate is found while uploading (<c>"auto"</c>).</summary>
    public bool IsAuto { get; }

    /// <summary>The changes in the order of the day; a single rate is one change at midnight.</summary>
    public IReadOnlyList<RateChange> Changes { get; }

    /// <summary>The schedule as written (or as <see cref="UploadRate.Format"/> prints a single rate).</summary>
    public string Text { get; }

    /// <summary>Whether the rate never changes during the day.</summary>
    public bool IsConstant => Changes.Count == 1;

    /// <summary>One rate all day.</summary>
    public static RateSchedule Constant(long? bytesPerSecond) =>
        bytesPerSecond is null ? Off : new([new RateChange(TimeOnly.MinValue, bytesPerSecond)], UploadRate.Format(bytesPerSecond));

    /// <summary>Parses a rate or a timetable; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string text, out RateSchedule schedule, out string? error)
    {
        schedule = Off;
        if (text.Trim() == "auto")
        {
            schedule = Auto;
            error = null;
            return true;
        }

        if (!text.Contains(',', StringComparison.Ordinal))
        {
            if (!UploadRate.TryParse(text, out long? rate, out error))
            {
                return false;
            }

            schedule = Constant(rate);
            return true;
        }

        string trimmed = text.Trim();
        MatchCollection entries = EntryRegex().Matches(trimmed);
        if (entries.Count == 0 || entries[0].Index != 0 || entries.Sum(m => m.Length) != trimmed.Length)
        {
            error = $"'{text}' is not a timetable: write entries \"HH:MM,RATE\" separated by spaces, such as \"08:00,1M 19:00,512k 23:00,off\" (weekday entries are not supported)";
            return false;
        }

        var changes = new List<RateChange>();
        foreach (Match entry in entries)
        {
            string time = entry.Groups["time"].Value;
            if (!TimeOnly.TryParseExact(time, ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly at))
            {
                error = $"'{time}' in '{text}' is not a time of day (00:00 to 23:59)";
                return false;
            }

            if (changes.Count > 0 && at <= changes[^1].At)
            {
                error = $"'{time}' in '{text}' does not come after {changes[^1].At:HH:mm}: the entries must be in the order of the day";
                return false;
            }

            if (!UploadRate.TryParse(entry.Groups["rate"].Value, out long? rate, out error))
            {
                error = $"at {time}: {error}";
                return false;
            }

            changes.Add(new RateChange(at, rate));
        }

        schedule = new RateSchedule(changes, trimmed);
        error = null;
        return true;
    }

    /// <summary>The rate in force at <paramref name="time"/> of the day (null: no limit).</summary>
    public long? RateAt(TimeOnly time) => ChangeAt(time).BytesPerSecond;

    /// <summary>The change in force at <paramref name="time"/>: the last one at or before it, else the day's last one.</summary>
    public RateChange ChangeAt(TimeOnly time)
    {
        RateChange current = Changes[^1];
        foreach (RateChange change in Changes)
        {
            if (change.At > time)
            {
                break;
            }

            current = change;
        }

        return current;
    }

    /// <summary>The next change after <paramref name="time"/> (perhaps tomorrow's first); null when the rate never changes.</summary>
    public RateChange? NextChange(TimeOnly time) =>
        IsConstant ? null : Changes.FirstOrDefault(change => change.At > time) ?? Changes[0];

    public override string ToString() => Text;

    [GeneratedRegex(@"(?<time>[0-9]{1,2}:[0-9]{2}),\s*(?<rate>.+?)(\s+|$)(?=[0-9]{1,2}:[0-9]{2},|$)", RegexOptions.CultureInvariant)]
    private static partial Regex EntryRegex();
}
