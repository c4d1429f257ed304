using Watcher.Nix;

namespace Watcher.State;

/// <content>Dead letters: burying, listing, counting and requeueing.</content>
internal sealed partial class StateStore
{
    /// <summary>Moves a pending pair to the dead letters.</summary>
    public void Bury(string cache, StorePath path, string reason, int attempts, DateTimeOffset now) =>
        Batch("DELETE FROM pending WHERE cache = $cache AND path = $path; INSERT OR REPLACE INTO dead_letters (cache, path, reason, attempts, failed_at) VALUES ($cache, $path, $reason, $attempts, $at)", [path], (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p.FullPath);
            c.Parameters.AddWithValue("$reason", reason);
            c.Parameters.AddWithValue("$attempts", attempts);
            c.Parameters.AddWithValue("$at", now.ToUnixTimeSeconds());
        });

    /// <summary>Whether the pair is a dead letter.</summary>
    public bool IsDeadLetter(string cache, StorePath path) =>
        Query("SELECT 1 FROM dead_letters WHERE cache = $cache AND path = $path", c =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", path.FullPath);
        }, r => r.GetInt32(0)).Count > 0;

    /// <summary>Which of <paramref name="paths"/> are dead letters of the cache.</summary>
    public IReadOnlySet<StorePath> FilterDeadLetters(string cache, IReadOnlyCollection<StorePath> paths) =>
        SelectExisting("SELECT path FROM dead_letters WHERE cache = $cache AND path IN ({0})", paths, c => c.Parameters.AddWithValue("$cache", cache));

    /// <summary>Every dead letter, or those of one cache, oldest first.</summary>
    public IReadOnlyList<DeadLetter> DeadLetters(string? cache = null) =>
        Query(
            "SELECT cache, path, reason, attempts, failed_at FROM dead_letters WHERE $cache IS NULL OR cache = $cache ORDER BY failed_at, path",
            c => c.Parameters.AddWithValue("$cache", (object?)cache ?? DBNull.Value),
            r => new DeadLetter(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(4))));

    public long CountDeadLetters(string cache) =>
        Query("SELECT COUNT(*) FROM dead_letters WHERE cache = $cache", c => c.Parameters.AddWithValue("$cache", cache), r => r.GetInt64(0))[0];

    /// <summary>Moves the dead letters (all, or one cache's) back to pending, at the end of the journal; returns how many.</summary>
    /// <remarks>Their store facts are asked of the store again when they are pushed (a dead letter may be old).</remarks>
    public int RequeueDeadLetters(DateTimeOffset now, string? cache = null)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$cache", (object?)cache ?? DBNull.Value);
            command.Parameters.AddWithValue("$at", now.ToUnixTimeSeconds());
            command.CommandText = "INSERT OR IGNORE INTO pending (cache, path, enqueued_at) SELECT cache, path, $at FROM dead_letters WHERE $cache IS NULL OR cache = $cache ORDER BY failed_at";
            command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM dead_letters WHERE $cache IS NULL OR cache = $cache";
            int requeued = command.ExecuteNonQuery();
            transaction.Commit();
            return requeued;
        }
    }
}
