using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Watcher.State;

/// <summary>A (path, cache) pair waiting to be pushed.</summary>
internal sealed record PendingPath(long Id, string Cache, string Path, int Attempts);

/// <summary>A (path, cache) pair that failed for good until retried by hand or at the next start.</summary>
internal sealed record DeadLetter(string Cache, string Path, string Reason, int Attempts, DateTimeOffset FailedAt);

/// <content>Pending, pushed and dead-letter operations.</content>
internal sealed partial class StateStore
{
    /// <summary>Journals paths to push to a cache, in the given (references-first) order; already pending ones keep their place and time.</summary>
    public void Enqueue(string cache, IEnumerable<string> paths)
    {
        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        Batch("INSERT OR IGNORE INTO pending (cache, path, enqueued_at) VALUES ($cache, $path, $at)", paths, (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p);
            c.Parameters.AddWithValue("$at", now);
        });
    }

    /// <summary>The oldest pending pairs of a cache, in journal order.</summary>
    public IReadOnlyList<PendingPath> TakePending(string cache, int limit) =>
        Query("SELECT id, cache, path, attempts FROM pending WHERE cache = $cache ORDER BY id LIMIT $limit",
            c =>
            {
                c.Parameters.AddWithValue("$cache", cache);
                c.Parameters.AddWithValue("$limit", limit);
            },
            r => new PendingPath(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3)));

    public long CountPending(string cache) =>
        Query("SELECT COUNT(*) FROM pending WHERE cache = $cache", c => c.Parameters.AddWithValue("$cache", cache), r => r.GetInt64(0))[0];

    /// <summary>When the longest-waiting pending pair of a cache was journaled; null when nothing is pending.</summary>
    public DateTimeOffset? OldestPending(string cache) =>
        Query("SELECT MIN(enqueued_at) FROM pending WHERE cache = $cache", c => c.Parameters.AddWithValue("$cache", cache), r => r.IsDBNull(0) ? (long?)null : r.GetInt64(0))[0] is { } at
            ? DateTimeOffset.FromUnixTimeSeconds(at)
            : null;

    /// <summary>Records paths as in the cache (pushed now, or found there) and drops them from pending.</summary>
    public void MarkPushed(string cache, IEnumerable<string> paths) =>
        Batch("DELETE FROM pending WHERE cache = $cache AND path = $path; INSERT OR IGNORE INTO pushed (cache, path) VALUES ($cache, $path); DELETE FROM dead_letters WHERE cache = $cache AND path = $path", paths, (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p);
        });

    /// <summary>Drops pending pairs that need no push (excluded, invalid, garbage-collected).</summary>
    public void Forget(string cache, IEnumerable<string> paths) =>
        Batch("DELETE FROM pending WHERE cache = $cache AND path = $path", paths, (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p);
        });

    /// <summary>Which of <paramref name="paths"/> the cache is already known to have.</summary>
    public IReadOnlySet<string> FilterPushed(string cache, IReadOnlyCollection<string> paths) =>
        SelectExisting("SELECT path FROM pushed WHERE cache = $cache AND path IN ({0})", paths, c => c.Parameters.AddWithValue("$cache", cache));

    /// <summary>Which of <paramref name="paths"/> are waiting in the cache's journal.</summary>
    public IReadOnlySet<string> FilterPending(string cache, IReadOnlyCollection<string> paths) =>
        SelectExisting("SELECT path FROM pending WHERE cache = $cache AND path IN ({0})", paths, c => c.Parameters.AddWithValue("$cache", cache));

    /// <summary>Counts a failed attempt; returns the attempts so far.</summary>
    public int RecordFailure(string cache, string path, string error) =>
        Query("UPDATE pending SET attempts = attempts + 1, last_error = $error WHERE cache = $cache AND path = $path RETURNING attempts",
            c =>
            {
                c.Parameters.AddWithValue("$cache", cache);
                c.Parameters.AddWithValue("$path", path);
                c.Parameters.AddWithValue("$error", error);
            },
            r => r.GetInt32(0)).FirstOrDefault();

    /// <summary>Moves a pending pair to the dead letters.</summary>
    public void Bury(string cache, string path, string reason, int attempts, DateTimeOffset now) =>
        Batch("DELETE FROM pending WHERE cache = $cache AND path = $path; INSERT OR REPLACE INTO dead_letters (cache, path, reason, attempts, failed_at) VALUES ($cache, $path, $reason, $attempts, $at)", [path], (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p);
            c.Parameters.AddWithValue("$reason", reason);
            c.Parameters.AddWithValue("$attempts", attempts);
            c.Parameters.AddWithValue("$at", now.ToUnixTimeSeconds());
        });

    /// <summary>Of <paramref name="paths"/>, those a full scan has not recorded as seen.</summary>
    public IReadOnlyList<string> FilterUnseen(IReadOnlyCollection<string> paths)
    {
        var seen = SelectExisting("SELECT path FROM seen WHERE path IN ({0})", paths, _ => { });
        return paths.Where(p => !seen.Contains(p)).ToList();
    }

    /// <summary>Records paths as seen by a scan; call only once they are journaled (or need no push).</summary>
    public void MarkSeen(IEnumerable<string> paths) =>
        Batch("INSERT OR IGNORE INTO seen (path) VALUES ($path)", paths, (c, p) => c.Parameters.AddWithValue("$path", p));

    /// <summary>
    /// Runs <paramref name="sqlFormat"/> (whose <c>{0}</c> becomes a parameter list) over <paramref name="paths"/>
    /// in chunks that stay under SQLite's parameter limit, and returns the paths it selects.
    /// </summary>
    private HashSet<string> SelectExisting(string sqlFormat, IReadOnlyCollection<string> paths, Action<SqliteCommand> bind)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in paths.Chunk(500))
        {
            found.UnionWith(Query(
                string.Format(CultureInfo.InvariantCulture, sqlFormat, string.Join(',', chunk.Select((_, i) => "$p" + i))),
                c =>
                {
                    bind(c);
                    for (int i = 0; i < chunk.Length; i++)
                    {
                        c.Parameters.AddWithValue("$p" + i, chunk[i]);
                    }
                },
                r => r.GetString(0)));
        }

        return found;
    }
}
