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

    /// <summary>Whether the pair is a dead letter.</summary>
    public bool IsDeadLetter(string cache, string path) =>
        Query("SELECT 1 FROM dead_letters WHERE cache = $cache AND path = $path", c =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", path);
        }, r => r.GetInt32(0)).Count > 0;
}
