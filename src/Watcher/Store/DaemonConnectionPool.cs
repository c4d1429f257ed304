namespace Watcher.Store;

/// <summary>
/// A bounded set of <see cref="DaemonConnection"/>s. A semaphore caps how many are in use; idle ones
/// are reused, broken ones are disposed on return and replaced by a fresh connection on demand.
/// </summary>
internal sealed class DaemonConnectionPool : IDisposable
{
    private readonly Func<CancellationToken, Task<DaemonConnection>> _connect;
    private readonly SemaphoreSlim _slots;
    private readonly Stack<DaemonConnection> _idle = new();
    private readonly Lock _lock = new();
    private bool _disposed;

    public DaemonConnectionPool(int maxConnections, Func<CancellationToken, Task<DaemonConnection>> connect)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        _connect = connect;
        _slots = new SemaphoreSlim(maxConnections, maxConnections);
    }

    /// <summary>Runs <paramref name="operation"/> on a pooled connection, waiting for a free slot.</summary>
    public async Task<T> RunAsync<T>(Func<DaemonConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken);
        DaemonConnection? connection = null;
        try
        {
            connection = TakeIdle() ?? await _connect(cancellationToken);
            return await operation(connection, cancellationToken);
        }
        finally
        {
            if (connection is not null)
            {
                Return(connection);
            }

            _slots.Release();
        }
    }

    /// <summary>
    /// Takes an idle connection out of the pool for good: the caller owns it and disposes it, and it never serves a
    /// pooled call again. Null when none is idle.
    /// </summary>
    public DaemonConnection? DetachIdle()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return TakeIdle();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            while (_idle.TryPop(out var connection))
            {
                connection.Dispose();
            }
        }
    }

    private DaemonConnection? TakeIdle()
    {
        lock (_lock)
        {
            while (_idle.TryPop(out var connection))
            {
                if (!connection.IsBroken)
                {
                    return connection;
                }

                connection.Dispose();
            }

            return null;
        }
    }

    private void Return(DaemonConnection connection)
    {
        lock (_lock)
        {
            if (!_disposed && !connection.IsBroken)
            {
                _idle.Push(connection);
                return;
            }
        }

        connection.Dispose();
    }
}
