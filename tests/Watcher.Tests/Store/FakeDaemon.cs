using System.Security.Cryptography;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Tests.Store;

/// <summary>The daemon end of a <see cref="PairedStream"/> pair, scripted by tests with the same wire primitives.</summary>
internal sealed class FakeDaemon : IDisposable
{
    public FakeDaemon(PairedStream server)
    {
        Stream = server;
        Reader = new WireReader(server);
        Writer = new WireWriter(server);
    }

    public PairedStream Stream { get; }

    public WireReader Reader { get; }

    public WireWriter Writer { get; }

    /// <summary>Bytes the client sent that the daemon has not read yet.</summary>
    public long Pending => Reader.BufferedCount + Stream.Available;

    public int ClientVersion { get; private set; }

    /// <summary>The paths <see cref="ServeAsync"/> took as temporary roots.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<StorePath> TempRoots { get; } = new();

    public List<string>? ClientFeatures { get; private set; }

    /// <summary>Bytes the client had sent beyond its feature set when the daemon read that set.</summary>
    public long BytesPendingAfterFeatures { get; private set; } = -1;

    public static async Task<(DaemonConnection Connection, FakeDaemon Daemon)> ConnectAsync(
        int version, CancellationToken cancellationToken, ulong trust = 0, IReadOnlyCollection<string>? features = null)
    {
        var (client, server) = PairedStream.Create();
        var daemon = new FakeDaemon(server);
        var handshake = daemon.HandshakeAsync(version, cancellationToken, trust, features);
        var connection = await DaemonConnection.HandshakeAsync(client, StorePath.DefaultStoreDir, null, cancellationToken);
        await handshake;
        return (connection, daemon);
    }

    public async Task HandshakeAsync(int version, CancellationToken cancellationToken, ulong trust = 0, IReadOnlyCollection<string>? features = null)
    {
        Assert.Equal(WorkerProtocol.Magic1, await Reader.ReadUInt64Async(cancellationToken));
        Writer.WriteUInt64(WorkerProtocol.Magic2);
        Writer.WriteUInt64((ulong)version);
        await Writer.FlushAsync(cancellationToken);
        ClientVersion = (int)await Reader.ReadUInt64Async(cancellationToken);
        int negotiated = Math.Min(ClientVersion, version);
        if (negotiated >= 0x126)
        {
            ClientFeatures = await Reader.ReadStringsAsync(cancellationToken);
            BytesPendingAfterFeatures = Pending;
            Writer.WriteStrings(features ?? []);
            await Writer.FlushAsync(cancellationToken);
        }

        Assert.Equal(0UL, await Reader.ReadUInt64Async(cancellationToken));
        Assert.Equal(0UL, await Reader.ReadUInt64Async(cancellationToken));
        if (negotiated >= 0x121)
        {
            Writer.WriteString("2.99.0");
        }

        if (negotiated >= 0x123)
        {
            Writer.WriteUInt64(trust);
        }

        Writer.WriteUInt64(WorkerProtocol.StderrLast);
        await Writer.FlushAsync(cancellationToken);
    }

    public async Task ExpectOpAsync(WorkerOp op, CancellationToken cancellationToken) =>
        Assert.Equal((ulong)op, await Reader.ReadUInt64Async(cancellationToken));

    public void WriteLast() => Writer.WriteUInt64(WorkerProtocol.StderrLast);

    /// <summary>Writes an error in the ≥ 1.26 structured form.</summary>
    public void WriteError(string message, params string[] traces)
    {
        Writer.WriteUInt64(WorkerProtocol.StderrError);
        Writer.WriteString("Error");
        Writer.WriteUInt64(0);
        Writer.WriteString("Error");
        Writer.WriteString(message);
        Writer.WriteUInt64(0);
        Writer.WriteUInt64((ulong)traces.Length);
        foreach (string trace in traces)
        {
            Writer.WriteUInt64(0);
            Writer.WriteString(trace);
        }
    }

    /// <summary>Writes an error in the &lt; 1.26 form: message and exit status.</summary>
    public void WriteOldError(string message, ulong status)
    {
        Writer.WriteUInt64(WorkerProtocol.StderrError);
        Writer.WriteString(message);
        Writer.WriteUInt64(status);
    }

    public void WritePathInfoReply(PathInfo info, int version)
    {
        WriteLast();
        Writer.WriteBool(true);
        Writer.WriteUnkeyedValidPathInfo(info, version);
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => Writer.FlushAsync(cancellationToken);

    /// <summary>
    /// Answers QueryPathInfo from <paramref name="store"/>, and AddTempRoot for a path in it (an error for any other),
    /// until the client hangs up.
    /// </summary>
    public async Task ServeAsync(IReadOnlyDictionary<StorePath, PathInfo> store, int version, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var op = (WorkerOp)await Reader.ReadUInt64Async(cancellationToken);
                var path = await Reader.ReadStorePathAsync(cancellationToken);
                switch (op)
                {
                    case WorkerOp.QueryPathInfo when store.TryGetValue(path, out var info):
                        WritePathInfoReply(info, version);
                        break;
                    case WorkerOp.QueryPathInfo:
                        WriteLast();
                        Writer.WriteBool(false);
                        break;
                    case WorkerOp.AddTempRoot when store.ContainsKey(path):
                        TempRoots.Enqueue(path);
                        WriteLast();
                        Writer.WriteUInt64(1);
                        break;
                    default:
                        WriteError($"op {op} not supported by the fake daemon");
                        break;
                }

                await FlushAsync(cancellationToken);
            }
        }
        catch (NixProtocolException)
        {
            // The client closed its end.
        }
    }

    public void Dispose() => Stream.Dispose();

    /// <summary>A syntactically valid store path whose hash part is derived from <paramref name="name"/>.</summary>
    public static StorePath MakePath(string name) =>
        StorePath.FromBaseName(Nix32.Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..32] + "-" + name);

    public static PathInfo MakeInfo(StorePath path, IEnumerable<StorePath> references, byte[]? nar = null) => new()
    {
        Path = path,
        NarHash = SHA256.HashData(nar ?? []),
        NarSize = nar?.Length ?? 0,
        References = references.OrderBy(r => r.FullPath, StringComparer.Ordinal).ToList(),
        RegistrationTime = 1700000000,
        Ultimate = true,
    };
}
