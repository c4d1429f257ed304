using System.Globalization;

namespace Watcher.Core;

/// <summary>Durations on the command line: a number and a unit, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c> (<c>90m</c>, <c>24h</c>, <c>2d</c>).</summary>
internal static class GcDuration
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            return false;
        }

        TimeSpan? unit = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => null,
        };
        if (unit is null || value > TimeSpan.MaxValue.Ticks / unit.Value.Ticks)
        {
            return false;
        }

        duration = unit.Value * value;
        return true;
    }

    /// <summary>The shortest exact form: <c>1d</c>, <c>36h</c>, <c>90m</c>, <c>45s</c>.</summary>
    public static string Format(TimeSpan duration) => duration switch
    {
        { Ticks: var t } when t % TimeSpan.TicksPerDay == 0 => string.Create(CultureInfo.InvariantCulture, $"{t / TimeSpan.TicksPerDay}d"),
        { Ticks: var t } when t % TimeSpan.TicksPerHour == 0 => string.Create(CultureInfo.InvariantCulture, $"{t / TimeSpan.TicksPerHour}h"),
        { Ticks: var t } when t % TimeSpan.TicksPerMinute == 0 => string.Create(CultureInfo.InvariantCulture, $"{t / TimeSpan.TicksPerMinute}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(long)duration.TotalSeconds}s"),
    };
}
