using System.Globalization;
using System.Text.RegularExpressions;

namespace Watcher.Config;

/// <summary>
/// One upload rate in bytes per second, as <c>max-upload-rate</c>, <c>push --max-upload-rate</c> and
/// <c>nix-watcher limit</c> take it: <c>"4 MiB/s"</c>, <c>"800 kbit/s"</c>, <c>"512k"</c> (rclone's short form,
/// binary bytes) or <c>"off"</c>.
/// </summary>
internal static partial class UploadRate
{
    /// <summary>The lowest limit taken: below it a typo (<c>"4"</c> for 4 MiB/s) would stall every upload.</summary>
    public const long Minimum = 1024;

    /// <summary>The highest limit taken (1 TiB/s): anything above is no limit at all.</summary>
    public const long Maximum = 1L << 40;

    /// <summary>What the error messages show as the accepted forms.</summary>
    public const string Expected = "a rate such as \"4 MiB/s\", \"800 kbit/s\", \"512k\" or \"off\"";

    private static readonly Dictionary<string, double> Units = new(StringComparer.Ordinal)
    {
        ["B"] = 1,
        ["k"] = 1024, ["K"] = 1024, ["KiB"] = 1024, ["Ki"] = 1024,
        ["M"] = 1 << 20, ["MiB"] = 1 << 20, ["Mi"] = 1 << 20,
        ["G"] = 1 << 30, ["GiB"] = 1 << 30, ["Gi"] = 1 << 30,
        ["kB"] = 1e3, ["KB"] = 1e3, ["MB"] = 1e6, ["GB"] = 1e9,
        ["bit"] = 1.0 / 8,
        ["kbit"] = 1e3 / 8, ["Kbit"] = 1e3 / 8, ["kbps"] = 1e3 / 8, ["Kbps"] = 1e3 / 8,
        ["Mbit"] = 1e6 / 8, ["Mbps"] = 1e6 / 8,
        ["Gbit"] = 1e9 / 8, ["Gbps"] = 1e9 / 8,
    };

    /// <summary>Parses one rate; <see langword="null"/> in <paramref name="bytesPerSecond"/> means no limit (<c>off</c>).</summary>
    /// <returns>Whether <paramref name="text"/> is a rate; if not, <paramref name="error"/> says what is wrong with it.</returns>
    public static bool TryParse(string text, out long? bytesPerSecond, out string? error)
    {
        bytesPerSecond = null;
        error = null;
        string trimmed = text.Trim();
        if (trimmed is "off" or "0" or "unlimited")
        {
            return true;
        }

        if (trimmed == "auto")
        {
            error = "\"auto\" stands alone: it cannot be an entry of a timetable";
            return false;
        }

        Match match = RateRegex().Match(trimmed);
        if (!match.Success)
        {
            error = $"'{text}' is not a number with a unit";
            return false;
        }

        string unit = match.Groups["unit"].Value;
        if (unit.Length == 0)
        {
            error = $"'{text}' has no unit (write \"{match.Groups["number"].Value} KiB/s\", \"{match.Groups["number"].Value} Mbit/s\", …)";
            return false;
        }

        if (!Units.TryGetValue(unit, out double scale))
        {
            error = $"'{text}' has an unknown unit '{unit}' (B, KiB, MiB, GiB, kB, MB, GB, kbit, Mbit, Gbit, or k, M, G for KiB, MiB, GiB)";
            return false;
        }

        double value = double.Parse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * scale;
        return TryCheck(value, text, out bytesPerSecond, out error);
    }

    /// <summary>Checks a rate given as a bare number of bytes per second (a TOML integer).</summary>
    public static bool TryCheck(double value, string text, out long? bytesPerSecond, out string? error)
    {
        bytesPerSecond = null;
        error = null;
        if (value == 0)
        {
            return true;
        }

        if (value < Minimum || value > Maximum)
        {
            error = $"'{text}' is out of range: a limit must be between 1 KiB/s and 1 TiB/s (or \"off\")";
            return false;
        }

        bytesPerSecond = (long)Math.Round(value);
        return true;
    }

    /// <summary>A rate for people: <c>"off"</c>, <c>"4 MiB/s"</c>, <c>"97.7 KiB/s"</c>.</summary>
    public static string Format(long? bytesPerSecond)
    {
        if (bytesPerSecond is not { } rate)
        {
            return "off";
        }

        (double value, string unit) = rate switch
        {
            >= 1L << 30 => (rate / (double)(1L << 30), "GiB/s"),
            >= 1L << 20 => (rate / (double)(1L << 20), "MiB/s"),
            >= 1L << 10 => (rate / 1024.0, "KiB/s"),
            _ => (rate, "B/s"),
        };
        return value.ToString(value >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture) + " " + unit;
    }

    [GeneratedRegex(@"^(?<number>[0-9]+(\.[0-9]+)?)\s*(?<unit>[A-Za-z]*)(/s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RateRegex();
}
