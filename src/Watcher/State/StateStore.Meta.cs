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
    public long? GetScanCursor()
    {
        var values = Query("SELECT value FROM meta WHERE key = $key", c => c.Parameters.AddWithValue("$key", ScanCursorKey), r => r.GetString(0));
        return values.Count == 0 ? null : long.Parse(values[0], CultureInfo.InvariantCulture);
    }

    public void SetScanCursor(long unixSeconds) =>
        Batch("INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [unixSeconds], (c, v) =>
        {
            c.Parameters.AddWithValue("$key", ScanCursorKey);
            c.Parameters.AddWithValue("$value", v.ToString(CultureInfo.InvariantCulture));
        });

    /// <summary>The fingerprint of a cache's configuration when its dead letters were last looked at; null the first time.</summary>
    public string? GetCacheFingerprint(string cache) =>
        Query("SELECT value FROM meta WHERE key = $key", c => c.Parameters.AddWithValue("$key", FingerprintKey(cache)), r => r.GetString(0)).FirstOrDefault();

    public void SetCacheFingerprint(string cache, string fingerprint) =>
        Batch("INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [fingerprint], (c, v) =>
        {
            c.Parameters.AddWithValue("$key", FingerprintKey(cache));
            c.Parameters.AddWithValue("$value", v);
        });

    private static string FingerprintKey(string cache) => "cache-fingerprint:" + cache;
}
