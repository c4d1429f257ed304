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
    private readonly Lock _lock = new();

    private StateStore(SqliteConnection connection)
    {
        _connection = connection;
    }

    /// <exception cref="StateAccessException">The state belongs to another user or cannot be opened.</exception>
    public static StateStore Open(string stateDirectory)
    {
        // Owner-only: it holds the control socket and the list of store paths being pushed.
        StateDirectory.Prepare(stateDirectory);
        var connection = OpenDatabase(Path.Combine(stateDirectory, StateDirectory.DatabaseFiles[0]));
        var store = new StateStore(connection);
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
        return store;
    }

    public void Dispose() => _connection.Dispose();

    private static SqliteConnection OpenDatabase(string file)
    {
        try
        {
            // Created 0600 here, as SQLite would make it 0644; its -wal and -shm files copy the database's mode.
            using (new FileStream(file, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
            }

            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            try
            {
                // SQLite reads the file only at the first statement: one that is not a database fails here.
                connection.Open();
                using var probe = connection.CreateCommand();
                probe.CommandText = "SELECT count(*) FROM sqlite_master";
                probe.ExecuteScalar();
                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new StateAccessException($"cannot open the state database {file}: {ex.Message}", ex);
        }
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
