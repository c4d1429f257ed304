using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Store;

/// <summary>
/// Store access for the pusher over the nix-daemon worker protocol. Safe for concurrent use: each call
/// borrows a connection from a small pool, so up to <see cref="NixDaemonClientOptions.MaxConnections"/>
/// calls run in parallel; a connection that saw any error is dropped and replaced.
/// </summary>
internal sealed partial class NixDaemonClient : IStoreQueries, IDisposable
{
    private readonly DaemonConnectionPool _pool;
    private readonly Func<CancellationToken, Task<DaemonConnection>> _connect;

    /// <summary>Creates a client for the socket in <paramref name="options"/>; by default the one Nix itself uses.</summary>
    public NixDaemonClient(NixDaemonClientOptions? options = null, ILogger<NixDaemonClient>? logger = null)
    {
        var resolved = options ?? new NixDaemonClientOptions();
        StoreDir = resolved.StoreDir.TrimEnd('/');
        string socketPath = resolved.SocketPath;
        _connect = ct => DaemonConnection.ConnectAsync(socketPath, StoreDir, logger, ct);
        _pool = new DaemonConnectionPool(resolved.MaxConnections, _connect);
    }

    private NixDaemonClient(Func<CancellationToken, Task<DaemonConnection>> connect, int maxConnections, string storeDir)
    {
        _connect = connect;
        _pool = new DaemonConnectionPool(maxConnections, connect);
        StoreDir = storeDir.TrimEnd('/');
    }

    public string StoreDir { get; }

    /// <summary>Creates a client over connections from <paramref name="connect"/> (tests use in-memory daemons).</summary>
    public static NixDaemonClient Create(Func<CancellationToken, Task<DaemonConnection>> connect, int maxConnections = 4, string storeDir = StorePath.DefaultStoreDir) =>
        new(connect, maxConnections, storeDir);

    /// <summary>
    /// Protects <paramref name="paths"/> from garbage collection until the returned handle is disposed:
    /// temp roots live as long as the connection that added them, so this uses a connection of its own (an idle one
    /// taken out of the pool, or a new one) that never goes back to the pool, which would pin the paths for the life
    /// of the process.
    /// </summary>
    public async Task<IDisposable> HoldTempRootsAsync(IEnumerable<StorePath> paths, CancellationToken cancellationToken)
    {
        var roots = ValidateAll(paths, nameof(paths));

        // A connection the pool holds idle (the one that planned the round, as a rule) saves a connect, which the
        // daemon answers by forking. It leaves the pool for good, so its roots go with it when it is disposed.
        if (_pool.DetachIdle() is { } idle)
        {
            try
            {
                return await AddTempRootsAsync(idle, roots, cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // An idle connection may have been closed since (a restarted daemon), and it is disposed now: a
                // fresh one decides.
            }
        }

        return await AddTempRootsAsync(await _connect(cancellationToken), roots, cancellationToken);
    }

    private static async Task<DaemonConnection> AddTempRootsAsync(DaemonConnection connection, List<StorePath> paths, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var path in paths)
            {
                await connection.AddTempRootAsync(path, cancellationToken);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Returns the valid subset of <paramref name="paths"/> (without substituting).</summary>
    public async Task<IReadOnlySet<StorePath>> QueryValidPathsAsync(IEnumerable<StorePath> paths, CancellationToken cancellationToken)
    {
        var distinct = ValidateAll(paths, nameof(paths));
        var valid = await _pool.RunAsync((c, ct) => c.QueryValidPathsAsync(distinct, ct), cancellationToken);
        return valid.ToHashSet();
    }

    public async Task<IReadOnlyList<StorePath>> QueryAllValidPathsAsync(CancellationToken cancellationToken) =>
        await _pool.RunAsync((c, ct) => c.QueryAllValidPathsAsync(ct), cancellationToken);

    /// <summary>Returns the store path with hash part <paramref name="hashPart"/> (32 nix32 characters), or null when there is none.</summary>
    public Task<StorePath?> QueryPathFromHashPartAsync(string hashPart, CancellationToken cancellationToken)
    {
        if (hashPart.Length != StorePath.HashLength || !hashPart.All(Nix32.IsValidChar))
        {
            throw new ArgumentException($"'{hashPart}' is not a store path hash part: expected {StorePath.HashLength} nix32 characters", nameof(hashPart));
        }

        return _pool.RunAsync((c, ct) => c.QueryPathFromHashPartAsync(hashPart, ct), cancellationToken);
    }

    /// <summary>
    /// Registers a temporary GC root. It lasts only as long as the pooled connection that made it, so
    /// <see cref="NarFromPathAsync"/> takes its own root on the connection that streams.
    /// </summary>
    public async Task AddTempRootAsync(StorePath path, CancellationToken cancellationToken)
    {
        EnsureInStore(path, nameof(path));
        await _pool.RunAsync(
            async (c, ct) =>
            {
                await c.AddTempRootAsync(path, ct);
                return true;
            },
            cancellationToken);
    }

    /// <summary>
    /// Writes the NAR of <paramref name="path"/> to <paramref name="destination"/>, verified against the
    /// path's NAR hash and size, and returns the path info; returns null (writing nothing) when the path
    /// is not valid. On a mismatch or truncation a <see cref="NixProtocolException"/> is thrown, possibly
    /// after part of the NAR was written.
    /// </summary>
    public Task<PathInfo?> NarFromPathAsync(StorePath path, Stream destination, CancellationToken cancellationToken)
    {
        EnsureInStore(path, nameof(path));
        return _pool.RunAsync<PathInfo?>(
            async (c, ct) =>
            {
                // A temp root on the streaming connection keeps a concurrent GC from deleting the path mid-dump.
                await c.AddTempRootAsync(path, ct);
                var info = await c.QueryPathInfoAsync(path, ct);
                if (info is not null)
                {
                    await c.NarFromPathAsync(info, destination, ct);
                }

                return info;
            },
            cancellationToken);
    }

    /// <summary>What the daemon announced in the handshake (of a pooled connection): its Nix version and the protocol in use.</summary>
    public Task<DaemonInfo> QueryDaemonInfoAsync(CancellationToken cancellationToken) =>
        _pool.RunAsync((c, _) => Task.FromResult(new DaemonInfo(c.DaemonNixVersion, c.ProtocolVersion, c.DaemonProtocolVersion, c.IsTrusted)), cancellationToken);

    public void Dispose() => _pool.Dispose();

    private void EnsureInStore(StorePath path, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(path, parameterName);
        if (!string.Equals(path.StoreDir, StoreDir, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' is not in the daemon's store '{StoreDir}'", parameterName);
        }
    }

    private List<StorePath> ValidateAll(IEnumerable<StorePath> paths, string parameterName)
    {
        var distinct = paths.Distinct().ToList();
        foreach (var path in distinct)
        {
            EnsureInStore(path, parameterName);
        }

        return distinct;
    }
}
