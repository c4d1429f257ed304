using System.Globalization;
using Microsoft.Data.Sqlite;
using Watcher.Nix;

namespace Watcher.State;

/// <summary>
/// The durable state in <c>state-dir/state.db</c> (SQLite, WAL): the journal of (path, cache) pairs still
/// to push with the path's store facts, the set of paths each cache is known to have, dead letters, and the
/// paths a full scan has already seen. It is an optimisation plus a journal: deleting it only costs a rescan.
/// </summary>
/// <remarks>
/// One connection, serialised by a lock: the writes are small and batched in transactions, and
/// SQLite serialises writers anyway. Pending rows keep their insertion order (rowid), which the
/// planner makes references-first.
/// </remarks>
internal sealed partial class StateStore : IDisposable
{
    /// <summary>The schema this version writes; older ones are migrated when opened, newer ones refused.</summary>
    public const int SchemaVersion = 5;

    /// <summary>Migrations[i] takes the schema from version i to i + 1 (0: an empty file).</summary>
    private static readonly string[] Migrations =
    [
        """
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
        """,

        // The path's store facts (JournaledPathInfo) and when it was journaled; rows from version 1 have neither
        // (their facts are asked of the store once, their age counts from the migration).
        """
        ALTER TABLE pending ADD COLUMN info TEXT;
        ALTER TABLE pending ADD COLUMN enqueued_at INTEGER NOT NULL DEFAULT 0;
        UPDATE pending SET enqueued_at = CAST(strftime('%s', 'now') AS INTEGER);
        """,

        // S3 multipart uploads in progress, to abort after a crash.
        """
        CREATE TABLE IF NOT EXISTS multipart_uploads (
            cache TEXT NOT NULL,
            upload_id TEXT NOT NULL,
            key TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            PRIMARY KEY (cache, upload_id)) WITHOUT ROWID;
        """,

        // When each pushed path was last confirmed in its cache (published, or found and refreshed if aged); 0 for rows
        // of earlier versions, which are looked up again before a referrer relies on them.
        """
        ALTER TABLE pushed ADD COLUMN confirmed_at INTEGER NOT NULL DEFAULT 0;
        """,

        // What each multipart upload is of (the store path, the object and part sizes) and the parts it has sent, so
        // that the next start resumes it; uploads of earlier versions have no store path and are aborted as before.
        """
        ALTER TABLE multipart_uploads ADD COLUMN store_path TEXT;
        ALTER TABLE multipart_uploads ADD COLUMN object_size INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE multipart_uploads ADD COLUMN part_size INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE IF NOT EXISTS multipart_parts (
            cache TEXT NOT NULL,
            upload_id TEXT NOT NULL,
            part_number INTEGER NOT NULL,
            etag TEXT NOT NULL,
            offset INTEGER NOT NULL,
            size INTEGER NOT NULL,
            md5 TEXT NOT NULL,
            PRIMARY KEY (cache, upload_id, part_number)) WITHOUT ROWID;
        """,
    ];

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private readonly string _storeDir;

    private StateStore(SqliteConnection connection, string storeDir)
    {
        _connection = connection;
        _storeDir = storeDir;
    }

    /// <summary>Opens (or creates) the state in <paramref name="stateDirectory"/>, migrating an older schema.</summary>
    /// <param name="stateDirectory">The state directory.</param>
    /// <param name="storeDir">The store the journaled paths belong to.</param>
    /// <exception cref="StateAccessException">The state belongs to another user or cannot be opened.</exception>
    /// <exception cref="WatcherException">The state was written by a newer nix-watcher.</exception>
    public static StateStore Open(string stateDirectory, string storeDir = StorePath.DefaultStoreDir)
    {
        // Owner-only: it holds the control socket and the list of store paths being pushed.
        StateDirectory.Prepare(stateDirectory);
        string file = Path.Combine(stateDirectory, StateDirectory.DatabaseFiles[0]);
        var store = new StateStore(OpenDatabase(file), storeDir.TrimEnd('/'));
        try
        {
            store.Execute("""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                PRAGMA busy_timeout = 5000;
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """);
            store.Migrate(file);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>Brings the schema to <see cref="SchemaVersion"/>, each step in a transaction of its own.</summary>
    private void Migrate(string file)
    {
        var values = Query("SELECT value FROM meta WHERE key = 'schema'", _ => { }, r => r.GetString(0));
        bool empty = Query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'pending'", _ => { }, r => r.GetInt64(0))[0] == 0;
        int version = values.Count > 0 && int.TryParse(values[0], CultureInfo.InvariantCulture, out int stored) ? stored : empty ? 0 : -1;
        if (version < 0 || version > SchemaVersion)
        {
            string found = values.Count > 0 ? $"schema version '{values[0]}'" : "no schema version";
            throw new WatcherException(
                $"the state {file} has {found}, and this nix-watcher reads versions up to {SchemaVersion}: " +
                "it was written by a newer nix-watcher (use that one), or it is not nix-watcher's; moving it aside costs only a rescan");
        }

        for (; version < SchemaVersion; version++)
        {
            lock (_lock)
            {
                using var transaction = _connection.BeginTransaction();
                using var command = _connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = Migrations[version] + $"\nINSERT INTO meta (key, value) VALUES ('schema', '{version + 1}') ON CONFLICT (key) DO UPDATE SET value = excluded.value;";
                command.ExecuteNonQuery();
                transaction.Commit();
            }
        }
    }

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
