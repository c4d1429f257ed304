using Microsoft.Data.Sqlite;

namespace Watcher.State;

/// <summary>
/// The durable state in <c>state-dir/state.db</c> (SQLite, WAL): the journal of (path, cache) pairs still
/// to push, the set of paths each cache is known to have, dead letters, and the paths a full scan has
/// already seen. It is an optimisation plus a journal: deleting it only costs a rescan.
/// </summary>
/// <remarks>
/// One connection, serialised by a lock: the writes are small and batched in transactions, and
/// SQLite serialises writers anyway. Pending rows keep their insertion order (rowid), which the
/// planner makes references-first.
/// </remarks>
internal sealed partial class StateStore : IDisposable
{
    private const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    private StateStore(SqliteConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
    }

    /// <param name="stateDirectory">Where <c>state.db</c> lives; created owner-only if missing.</param>
    /// <param name="time">Stamps when a pair was journaled (the queue's oldest-pending gauge); the system clock by default.</param>
    public static StateStore Open(string stateDirectory, TimeProvider? time = null)
    {
        // Owner-only: it holds the control socket and the list of store paths being pushed.
        Directory.CreateDirectory(stateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(stateDirectory, "state.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var store = new StateStore(connection, time ?? TimeProvider.System);
        store.Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA busy_timeout = 5000;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS pending (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                cache TEXT NOT NULL,
                path TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                enqueued_at INTEGER,
                UNIQUE (cache, path));
            CREATE TABLE IF NOT EXISTS pushed (cache TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (cache, path)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS dead_letters (
                cache TEXT NOT NULL,
                path TEXT NOT NULL,
                reason TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                failed_at INTEGER NOT NULL,
                PRIMARY KEY (cache, path)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS seen (path TEXT PRIMARY KEY) WITHOUT ROWID;
            """);
        store.Execute($"INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '{SchemaVersion}')");
        store.AddEnqueuedAt();
        return store;
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>
    /// A state written before pending rows carried <c>enqueued_at</c> gets the column; its rows count as journaled
    /// now, since when they were is not known.
    /// </summary>
    private void AddEnqueuedAt()
    {
        if (Query("SELECT COUNT(*) FROM pragma_table_info('pending') WHERE name = 'enqueued_at'", _ => { }, r => r.GetInt64(0))[0] == 0)
        {
            Execute("ALTER TABLE pending ADD COLUMN enqueued_at INTEGER");
        }

        Batch("UPDATE pending SET enqueued_at = $now WHERE enqueued_at IS NULL", [_time.GetUtcNow().ToUnixTimeSeconds()], (c, now) => c.Parameters.AddWithValue("$now", now));
    }

    private void Execute(string sql)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Runs <paramref name="sql"/> for each item inside one transaction, with one prepared command.</summary>
    private void Batch<T>(string sql, IEnumerable<T> items, Action<SqliteCommand, T> bind)
    {
        lock (_lock)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var item in items)
            {
                command.Parameters.Clear();
                bind(command, item);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    private List<T> Query<T>(string sql, Action<SqliteCommand> bind, Func<SqliteDataReader, T> read)
    {
        lock (_lock)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            bind(command);
            using var reader = command.ExecuteReader();
            var result = new List<T>();
            while (reader.Read())
            {
                result.Add(read(reader));
            }

            return result;
        }
    }
}
