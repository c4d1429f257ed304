namespace Watcher.Config;

/// <summary>The <c>[retry]</c> tables of <see cref="ConfigBinder"/>.</summary>
internal sealed partial class ConfigBinder
{
    private const int MaxAttempts = 100;
    private const int MaxDelayMs = 3_600_000;
    private const int MinTimeoutMs = 100;

    /// <summary>Reads a <c>[retry]</c> table; keys it does not set keep <paramref name="defaults"/>' values.</summary>
    private RetryOptions BindRetry(TomlNode? table, RetryOptions defaults)
    {
        if (table is null)
        {
            return defaults;
        }

        var reader = new TableReader(table, _errors);
        int? attempts = reader.GetInt(ConfigKeys.Attempts, 1, MaxAttempts);
        int? baseMs = reader.GetInt(ConfigKeys.BaseDelayMs, 1, MaxDelayMs);
        int? maxMs = reader.GetInt(ConfigKeys.MaxDelayMs, 1, MaxDelayMs);
        int? timeoutMs = reader.GetInt(ConfigKeys.TimeoutMs, MinTimeoutMs, MaxDelayMs);
        int? stallMs = reader.GetInt(ConfigKeys.StallTimeoutMs, MinTimeoutMs, MaxDelayMs);
        reader.ReportUnknown();
        var retry = defaults with
        {
            Attempts = attempts ?? defaults.Attempts,
            BaseDelay = baseMs is { } b ? TimeSpan.FromMilliseconds(b) : defaults.BaseDelay,
            MaxDelay = maxMs is { } m ? TimeSpan.FromMilliseconds(m) : defaults.MaxDelay,
            Timeout = timeoutMs is { } t ? TimeSpan.FromMilliseconds(t) : defaults.Timeout,
            StallTimeout = stallMs is { } st ? TimeSpan.FromMilliseconds(st) : defaults.StallTimeout,
        };
        if (retry.MaxDelay < retry.BaseDelay && (baseMs is not null || maxMs is not null))
        {
            TomlNode at = reader.Find(ConfigKeys.MaxDelayMs) ?? reader.Find(ConfigKeys.BaseDelayMs)!;
            _errors.Add(TableReader.ValuePosition(at), $"'{table.Path}.{ConfigKeys.MaxDelayMs}' ({retry.MaxDelay.TotalMilliseconds}) must be ≥ '{table.Path}.{ConfigKeys.BaseDelayMs}' ({retry.BaseDelay.TotalMilliseconds})");
        }

        return retry;
    }
}
