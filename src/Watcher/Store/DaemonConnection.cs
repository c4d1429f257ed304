using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Store;

/// <summary>
/// One connection to the nix-daemon after a completed handshake. Ops run strictly one at a time; after
/// any daemon error, protocol surprise, I/O failure or cancellation mid-op the connection is
/// <see cref="IsBroken"/> and refuses further use, because its stream may be out of sync.
/// </summary>
internal sealed partial class DaemonConnection : IDisposable
{
    private readonly Stream _stream;
    private readonly WireReader _reader;
    private readonly WireWriter _writer;
    private readonly ILogger _logger;
    private int _busy;
    private bool _broken;
    private bool _disposed;

    private DaemonConnection(Stream stream, string storeDir, ILogger? logger)
    {
        _stream = stream;
        _reader = new WireReader(stream, storeDir);
        _writer = new WireWriter(stream);
        _logger = logger ?? NullLogger.Instance;
        StoreDir = storeDir;
    }

    /// <summary>The negotiated protocol version, <c>min(1.38, daemon version)</c>.</summary>
    public int ProtocolVersion { get; private set; }

    /// <summary>The version the daemon announced.</summary>
    public int DaemonProtocolVersion { get; private set; }

    /// <summary>The daemon's Nix version string (≥ 1.33), e.g. <c>2.8.0</c>; null for older daemons.</summary>
    public string? DaemonNixVersion { get; private set; }

    /// <summary>Whether the daemon trusts us (≥ 1.35); null when unknown.</summary>
    public bool? IsTrusted { get; private set; }

    /// <summary>The daemon's protocol features (≥ 1.38). We offer none, so none are in effect.</summary>
    public IReadOnlyList<string> DaemonFeatures { get; private set; } = [];

    public string StoreDir { get; }

    public bool IsBroken => _broken || _disposed;

    /// <summary>Connects to the daemon's unix socket and performs the handshake.</summary>
    public static async Task<DaemonConnection> ConnectAsync(string socketPath, string storeDir, ILogger? logger, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new NixDaemonException($"cannot connect to the nix-daemon at '{socketPath}': {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return await HandshakeAsync(new NetworkStream(socket, ownsSocket: true), storeDir, logger, cancellationToken);
    }

    /// <summary>Performs the client side of the handshake over <paramref name="stream"/>, which the connection then owns.</summary>
    public static async Task<DaemonConnection> HandshakeAsync(Stream stream, string storeDir, ILogger? logger, CancellationToken cancellationToken)
    {
        var connection = new DaemonConnection(stream, storeDir, logger);
        try
        {
            await connection.RunAsync(connection.HandshakeCoreAsync, cancellationToken);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _stream.Dispose();
        }
    }

    private async Task<bool> HandshakeCoreAsync(CancellationToken cancellationToken)
    {
        _writer.WriteUInt64(WorkerProtocol.Magic1);
        await _writer.FlushAsync(cancellationToken);
        ulong magic = await _reader.ReadUInt64Async("the daemon magic", cancellationToken);
        if (magic != WorkerProtocol.Magic2)
        {
            WireThrowHelper.ThrowUnexpectedValue("nix-daemon magic", $"0x{WorkerProtocol.Magic2:x}", magic);
        }

        ulong daemonVersion = await _reader.ReadUInt64Async("the daemon protocol version", cancellationToken);
        if (daemonVersion > ushort.MaxValue || WorkerProtocol.Major((int)daemonVersion) != 1 || (int)daemonVersion < WorkerProtocol.MinimumVersion)
        {
            WireThrowHelper.ThrowUnsupportedVersion((int)Math.Min(daemonVersion, int.MaxValue));
        }

        DaemonProtocolVersion = (int)daemonVersion;
        ProtocolVersion = Math.Min(WorkerProtocol.LatestVersion, DaemonProtocolVersion);
        _writer.WriteUInt64((ulong)ProtocolVersion);
        if (ProtocolVersion >= WorkerProtocol.Version(1, 38))
        {
            // The daemon reads our feature set before it writes its own, so ours must be flushed first.
            _writer.WriteStrings([]);
            await _writer.FlushAsync(cancellationToken);
            DaemonFeatures = await _reader.ReadStringsAsync(cancellationToken);
        }

        // Obsolete CPU affinity (≥ 1.14; never set) and reserveSpace (≥ 1.11) words.
        _writer.WriteUInt64(0);
        _writer.WriteUInt64(0);
        await _writer.FlushAsync(cancellationToken);
        if (ProtocolVersion >= WorkerProtocol.Version(1, 33))
        {
            DaemonNixVersion = await _reader.ReadStringAsync(cancellationToken);
        }

        if (ProtocolVersion >= WorkerProtocol.Version(1, 35))
        {
            IsTrusted = await _reader.ReadOptionalTrustedFlagAsync(cancellationToken);
        }

        await ProcessStderrAsync(cancellationToken);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            string version = WorkerProtocol.Format(ProtocolVersion);
            Log.Connected(_logger, version, DaemonNixVersion ?? "unknown");
        }

        return true;
    }

    /// <summary>
    /// Runs one op exclusively; any failure leaves the connection broken. I/O failures surface as
    /// <see cref="NixProtocolException"/>.
    /// </summary>
    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken)
        {
            throw new InvalidOperationException("this nix-daemon connection failed earlier and cannot be reused");
        }

        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException("a nix-daemon connection runs one op at a time");
        }

        try
        {
            return await operation(cancellationToken);
        }
        catch (IOException ex)
        {
            _broken = true;
            throw new NixProtocolException($"nix-daemon connection failed: {ex.Message}", ex);
        }
        catch
        {
            _broken = true;
            throw;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void EnsureInStore(StorePath path, string parameterName)
    {
        if (!string.Equals(path.StoreDir, StoreDir, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' is not in the daemon's store '{StoreDir}'", parameterName);
        }
    }
}
