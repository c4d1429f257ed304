namespace Watcher.IntegrationTests.Packaging;

/// <summary>A systemd unit file read into sections of <c>Key=value</c> entries (repeated keys keep every value).</summary>
public sealed class UnitFile
{
    private readonly Dictionary<string, List<KeyValuePair<string, string>>> _sections = new(StringComparer.Ordinal);

    public UnitFile(string text)
    {
        List<KeyValuePair<string, string>>? current = null;
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                current = [];
                _sections[line[1..^1]] = current;
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (current is null || equals <= 0)
            {
                throw new FormatException($"not a unit file line: {line}");
            }

            current.Add(new(line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }
    }

    public IReadOnlyList<KeyValuePair<string, string>> Section(string name) =>
        _sections.TryGetValue(name, out var entries) ? entries : [];

    /// <summary>Every value of <paramref name="key"/> in <paramref name="section"/>, in file order.</summary>
    public IReadOnlyList<string> All(string section, string key) =>
        [.. Section(section).Where(e => e.Key == key).Select(e => e.Value)];

    /// <summary>The last value of <paramref name="key"/> (the one systemd uses for single-valued keys).</summary>
    public string? Get(string section, string key) => All(section, key) is { Count: > 0 } values ? values[^1] : null;

    /// <summary>A systemd time span (<c>90s</c>, <c>1min 30s</c>, <c>2min</c>, bare seconds).</summary>
    public static TimeSpan ParseTimeSpan(string text)
    {
        var total = TimeSpan.Zero;
        foreach (string part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int unitStart = part.TakeWhile(char.IsAsciiDigit).Count();
            double value = double.Parse(part[..unitStart], System.Globalization.CultureInfo.InvariantCulture);
            total += part[unitStart..] switch
            {
                "" or "s" or "sec" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                "m" or "min" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                var unit => throw new FormatException($"unknown time unit '{unit}' in '{text}'"),
            };
        }

        return total;
    }
}
