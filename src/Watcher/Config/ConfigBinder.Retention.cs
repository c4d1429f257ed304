using Watcher.Core;

namespace Watcher.Config;

/// <summary>The <c>[caches.NAME.retention]</c> tables of <see cref="ConfigBinder"/>.</summary>
internal sealed partial class ConfigBinder
{
    private const int MaxKeepDays = 36_500;

    /// <summary>Reads a cache's retention table, refusing settings below the limits that keep writers safe (<see cref="GcLimits"/>).</summary>
    private RetentionOptions? BindRetention(TableReader cache)
    {
        TomlNode? table = cache.GetTable(ConfigKeys.Retention);
        if (table is null)
        {
            return null;
        }

        var reader = new TableReader(table, _errors);
        int? keepDays = reader.GetInt(ConfigKeys.KeepDays, 0, MaxKeepDays);
        TimeSpan? interval = GetDuration(reader, ConfigKeys.Interval, GcLimits.DefaultInterval);
        TimeSpan? grace = GetDuration(reader, ConfigKeys.Grace, GcLimits.DefaultGrace);
        reader.ReportUnknown();
        if (table[ConfigKeys.KeepDays] is null)
        {
            _errors.Add(table, $"missing required key '{table.Path}.{ConfigKeys.KeepDays}' (narinfos modified within this many days stay, with their closures; at least {GcLimits.MinKeepDays})");
            return null;
        }

        string Key(string key) => $"'{table.Path}.{key}'";
        bool ok = keepDays is not null && interval is not null && grace is not null;
        if (keepDays is { } days && GcLimits.ValidateKeepDays(days, Key(ConfigKeys.KeepDays)) is { } keepRefused)
        {
            _errors.Add(TableReader.ValuePosition(reader.Find(ConfigKeys.KeepDays)!), keepRefused);
            ok = false;
        }

        if (reader.Find(ConfigKeys.Grace) is { } graceNode && grace is { } g && GcLimits.ValidateGrace(g, Key(ConfigKeys.Grace)) is { } graceRefused)
        {
            _errors.Add(TableReader.ValuePosition(graceNode), graceRefused);
            ok = false;
        }

        if (reader.Find(ConfigKeys.Interval) is { } intervalNode && interval < GcLimits.MinInterval)
        {
            _errors.Add(
                TableReader.ValuePosition(intervalNode),
                $"{Key(ConfigKeys.Interval)} {GcDuration.Format(interval.Value)} is below the minimum of {GcDuration.Format(GcLimits.MinInterval)}: each collection lists the whole cache");
            ok = false;
        }

        return ok ? new RetentionOptions { KeepDays = keepDays!.Value, Interval = interval!.Value, Grace = grace!.Value } : null;
    }

    /// <summary>Reads a duration like <c>gc --grace</c> takes (<c>90m</c>, <c>24h</c>, <c>2d</c>): <paramref name="absent"/> when not set, null when invalid.</summary>
    private TimeSpan? GetDuration(TableReader reader, string key, TimeSpan absent)
    {
        if (reader.Find(key) is null)
        {
            return absent;
        }

        string? text = reader.GetString(key);
        if (text is null)
        {
            return null;
        }

        if (!GcDuration.TryParse(text, out var duration))
        {
            _errors.Add(TableReader.ValuePosition(reader.Find(key)!), $"'{reader.Table.Path}.{key}' must be a number and a unit (s, m, h or d), like \"1d\" or \"36h\", not '{text}'");
            return null;
        }

        return duration;
    }
}
