using System.Globalization;

namespace Watcher.State;

/// <content>The scan cursor and other single values.</content>
internal sealed partial class StateStore
{
    private const string ScanCursorKey = "scan-cursor";

    /// <summary>
    /// Unix seconds before which every valid path has been considered (planned or deliberately skipped);
    /// null before the first run finished a batch.
    /// </summary>
    public long? GetScanCursor() => GetMeta(ScanCursorKey) is { } value ? long.Parse(value, CultureInfo.InvariantCulture) : null;

    public void SetScanCursor(long unixSeconds) => SetMeta(ScanCursorKey, unixSeconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>The fingerprint of a cache's configuration when its dead letters were last looked at; null the first time.</summary>
    public string? GetCacheFingerprint(string cache) => GetMeta(FingerprintKey(cache));

    public void SetCacheFingerprint(string cache, string fingerprint) => SetMeta(FingerprintKey(cache), fingerprint);

    /// <summary>The identity of the cache's <c>nix-cache-info</c> when the daemon last looked (see <c>CacheInfoWatch</c>); null the first time.</summary>
    public string? GetCacheInfoIdentity(string cache) => GetMeta("cache-info:" + cache);

    public void SetCacheInfoIdentity(string cache, string identity) => SetMeta("cache-info:" + cache, identity);

    /// <summary>When the daemon last collected the cache on its retention schedule, and how many problems that run's check found.</summary>
    public (DateTimeOffset At, int? Problems)? GetLastCollection(string cache) =>
        GetMeta("collected:" + cache) is { } value && value.Split(' ') is [var at, var problems]
            ? (DateTimeOffset.FromUnixTimeSeconds(long.Parse(at, CultureInfo.InvariantCulture)), problems == "-" ? null : int.Parse(problems, CultureInfo.InvariantCulture))
            : null;

    public void SetLastCollection(string cache, DateTimeOffset at, int? problems) =>
        SetMeta("collected:" + cache, string.Create(CultureInfo.InvariantCulture, $"{at.ToUnixTimeSeconds()} {(problems is { } p ? p.ToString(CultureInfo.InvariantCulture) : "-")}"));

    private static string FingerprintKey(string cache) => "cache-fingerprint:" + cache;

    private string? GetMeta(string key) =>
        Query("SELECT value FROM meta WHERE key = $key", c => c.Parameters.AddWithValue("$key", key), r => r.GetString(0)).FirstOrDefault();

    private void SetMeta(string key, string value) =>
        Batch("INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [value], (c, v) =>
        {
            c.Parameters.AddWithValue("$key", key);
            c.Parameters.AddWithValue("$value", v);
        });
}
