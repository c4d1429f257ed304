namespace Watcher.State;

/// <content>Dead letters: listing, counting and requeueing.</content>
internal sealed partial class StateStore
{
    /// <summary>Every dead letter, or those of one cache, oldest first.</summary>
    public IReadOnlyList<DeadLetter> DeadLetters(string? cache = null) =>
        Query(
            "SELECT cache, path, reason, attempts, failed_at FROM dead_letters WHERE $cache IS NULL OR cache = $cache ORDER BY failed_at, path",
            c => c.Parameters.AddWithValue("$cache", (object?)cache ?? DBNull.Value),
            r => new DeadLetter(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), DateTimeOffset.FromUnixTimeSeconds(r.GetInt64(4))));

    public long CountDeadLetters(string cache) =>
        Query("SELECT COUNT(*) FROM dead_letters WHERE cache = $cache", c => c.Parameters.AddWithValue("$cache", cache), r => r.GetInt64(0))[0];

    /// <summary>Moves the dead letters (all, or one cache's) back to pending, at the end of the journal and journaled now; returns how many.</summary>
    public int RequeueDeadLetters(string? cache = null)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$cache", (object?)cache ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeSeconds());
            command.CommandText = "INSERT OR IGNORE INTO pending (cache, path, enqueued_at) SELECT cache, path, $now FROM dead_letters WHERE $cache IS NULL OR cache = $cache ORDER BY failed_at";
            command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM dead_letters WHERE $cache IS NULL OR cache = $cache";
            int requeued = command.ExecuteNonQuery();
            transaction.Commit();
            return requeued;
        }
    }
}
