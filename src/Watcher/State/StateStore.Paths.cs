using System.Globalization;
using Microsoft.Data.Sqlite;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.State;

/// <summary>A (path, cache) pair waiting to be pushed, with the store facts the planner journaled (null in rows from schema 1).</summary>
internal sealed record PendingPath(long Id, StorePath Path, PathInfo? Info, DateTimeOffset EnqueuedAt);

/// <summary>A (path, cache) pair that failed for good until retried by hand or cured by a change of the cache's configuration.</summary>
internal sealed record DeadLetter(string Cache, string Path, string Reason, int Attempts, DateTimeOffset FailedAt);

/// <content>Pending, pushed and seen paths.</content>
internal sealed partial class StateStore
{
    /// <summary>Journals paths to push to a cache with their store facts, in the given (references-first) order; already pending ones keep their place.</summary>
    public void Enqueue(string cache, IEnumerable<PathInfo> paths, DateTimeOffset now) =>
        Batch("INSERT OR IGNORE INTO pending (cache, path, info, enqueued_at) VALUES ($cache, $path, $info, $at)", paths, (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p.Path.FullPath);
            c.Parameters.AddWithValue("$info", JournaledPathInfo.Serialize(p));
            c.Parameters.AddWithValue("$at", now.ToUnixTimeSeconds());
        });

    /// <summary>The oldest pending pairs of a cache, in journal order.</summary>
    public IReadOnlyList<PendingPath> TakePending(string cache, int limit) =>
        Query("SELECT id, path, info, enqueued_at FROM pending WHERE cache = $cache ORDER BY id LIMIT $limit",
            c =>
            {
                c.Parameters.AddWithValue("$cache", cache);
                c.Parameters.AddWithValue("$limit", limit);
            },
            ReadPending);

    /// <summary>The pending pairs of a cache among <paramref name="paths"/>, in journal order.</summary>
    public IReadOnlyList<PendingPath> PendingAmong(string cache, IReadOnlyCollection<StorePath> paths)
    {
        var found = new List<PendingPath>();
        foreach (var chunk in paths.Chunk(500))
        {
            found.AddRange(Query(
                string.Format(CultureInfo.InvariantCulture, "SELECT id, path, info, enqueued_at FROM pending WHERE cache = $cache AND path IN ({0})", Parameters(chunk.Length)),
                c =>
                {
                    c.Parameters.AddWithValue("$cache", cache);
                    BindPaths(c, chunk);
                },
                ReadPending));
        }

        return [.. found.OrderBy(p => p.Id)];
    }

    /// <summary>Replaces the journaled facts of a pending path (the store now has another build of it).</summary>
    public void UpdatePending(string cache, PathInfo info) =>
        Batch("UPDATE pending SET info = $info WHERE cache = $cache AND path = $path", [info], (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p.Path.FullPath);
            c.Parameters.AddWithValue("$info", JournaledPathInfo.Serialize(p));
        });

    public long CountPending(string cache) =>
        Query("SELECT COUNT(*) FROM pending WHERE cache = $cache", c => c.Parameters.AddWithValue("$cache", cache), r => r.GetInt64(0))[0];

    /// <summary>When the oldest pending pair of a cache was journaled; null when none is pending.</summary>
    public DateTimeOffset? OldestPending(string cache) =>
        Query("SELECT MIN(enqueued_at) FROM pending WHERE cache = $cache", c => c.Parameters.AddWithValue("$cache", cache),
            r => r.IsDBNull(0) ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(0)))[0];

    /// <summary>Records paths as in the cache (pushed now, or found there) and drops them from pending and the dead letters.</summary>
    /// <param name="cache">The cache.</param>
    /// <param name="paths">The paths it has.</param>
    /// <param name="confirmedAt">
    /// When the cache was seen to have them with a narinfo at most <see cref="GcLimits.RefreshAfter"/> old (see
    /// <see cref="ConfirmedSince"/>); null when nobody looked (a row that is only a hint).
    /// </param>
    public void MarkPushed(string cache, IEnumerable<StorePath> paths, DateTimeOffset? confirmedAt = null) =>
        Batch(
            """
            DELETE FROM pending WHERE cache = $cache AND path = $path;
            INSERT INTO pushed (cache, path, confirmed_at) VALUES ($cache, $path, $at)
                ON CONFLICT (cache, path) DO UPDATE SET confirmed_at = MAX(confirmed_at, excluded.confirmed_at);
            DELETE FROM dead_letters WHERE cache = $cache AND path = $path
            """,
            paths,
            (c, p) =>
            {
                c.Parameters.AddWithValue("$cache", cache);
                c.Parameters.AddWithValue("$path", p.FullPath);
                c.Parameters.AddWithValue("$at", confirmedAt?.ToUnixTimeSeconds() ?? 0);
            });

    /// <summary>Which of <paramref name="paths"/> the cache was confirmed to have at <paramref name="since"/> or later.</summary>
    public IReadOnlySet<StorePath> ConfirmedSince(string cache, IReadOnlyCollection<StorePath> paths, DateTimeOffset since) =>
        SelectExisting("SELECT path FROM pushed WHERE cache = $cache AND confirmed_at >= $since AND path IN ({0})", paths, c =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$since", since.ToUnixTimeSeconds());
        });

    /// <summary>Drops pending pairs that need no push (upstream, garbage-collected).</summary>
    public void Forget(string cache, IEnumerable<StorePath> paths) =>
        Batch("DELETE FROM pending WHERE cache = $cache AND path = $path", paths, (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p.FullPath);
        });

    /// <summary>Which of <paramref name="paths"/> the cache is already known to have.</summary>
    public IReadOnlySet<StorePath> FilterPushed(string cache, IReadOnlyCollection<StorePath> paths) =>
        SelectExisting("SELECT path FROM pushed WHERE cache = $cache AND path IN ({0})", paths, c => c.Parameters.AddWithValue("$cache", cache));

    /// <summary>Of <paramref name="paths"/>, those a scan has not recorded as seen.</summary>
    public IReadOnlyList<StorePath> FilterUnseen(IReadOnlyCollection<StorePath> paths)
    {
        var seen = SelectExisting("SELECT path FROM seen WHERE path IN ({0})", paths, _ => { });
        return paths.Where(p => !seen.Contains(p)).ToList();
    }

    /// <summary>Records paths as seen by a scan; call only once they are journaled (or need no push).</summary>
    public void MarkSeen(IEnumerable<StorePath> paths) =>
        Batch("INSERT OR IGNORE INTO seen (path) VALUES ($path)", paths, (c, p) => c.Parameters.AddWithValue("$path", p.FullPath));

    private PendingPath ReadPending(SqliteDataReader reader)
    {
        var path = StorePath.Parse(reader.GetString(1), _storeDir);
        var info = reader.IsDBNull(2) ? null : JournaledPathInfo.Deserialize(path, reader.GetString(2));
        return new PendingPath(reader.GetInt64(0), path, info, DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(3)));
    }

    private static string Parameters(int count) => string.Join(',', Enumerable.Range(0, count).Select(i => "$p" + i.ToString(CultureInfo.InvariantCulture)));

    private static void BindPaths(SqliteCommand command, StorePath[] paths)
    {
        for (int i = 0; i < paths.Length; i++)
        {
            command.Parameters.AddWithValue("$p" + i.ToString(CultureInfo.InvariantCulture), paths[i].FullPath);
        }
    }

    /// <summary>
    /// Runs <paramref name="sqlFormat"/> (whose <c>{0}</c> becomes a parameter list) over <paramref name="paths"/>
    /// in chunks that stay under SQLite's parameter limit, and returns the paths it selects.
    /// </summary>
    private HashSet<StorePath> SelectExisting(string sqlFormat, IReadOnlyCollection<StorePath> paths, Action<SqliteCommand> bind)
    {
        var found = new HashSet<StorePath>();
        foreach (var chunk in paths.Chunk(500))
        {
            found.UnionWith(Query(
                string.Format(CultureInfo.InvariantCulture, sqlFormat, Parameters(chunk.Length)),
                c =>
                {
                    bind(c);
                    BindPaths(c, chunk);
                },
                r => StorePath.Parse(r.GetString(0), _storeDir)));
        }

        return found;
    }
}
