using System.Net.Sockets;
using Watcher.Core;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.IntegrationTests.Store;

/// <summary><see cref="DaemonConnection"/> handshakes with the real nix-daemon and with misbehaving socket servers.</summary>
[Collection(NixCollection.Name)]
public sealed class DaemonConnectionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("watcher-sock-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Connect_RealDaemon_NegotiatesItsVersion()
    {
        string nixVersion = (await ProcessRunner.RunAsync("nix-store", ["--version"], cancellationToken: Ct)).StandardOutput.Trim().Split(' ')[^1];

        using var connection = await DaemonConnection.ConnectAsync(NixFixture.SocketPath, StorePath.DefaultStoreDir, null, Ct);

        Assert.Equal(1, WorkerProtocol.Major(connection.ProtocolVersion));
        Assert.InRange(connection.ProtocolVersion, 0x122, WorkerProtocol.LatestVersion);
        Assert.Equal(nixVersion, connection.DaemonNixVersion);
        Assert.False(connection.IsBroken);
    }

    [Fact]
    public void DefaultSocketPath_WithoutOverride_IsTheNixDefault()
    {
        string? overridden = Environment.GetEnvironmentVariable(NixDaemonClientOptions.SocketPathVariable);

        string resolved = NixDaemonClientOptions.ResolveDefaultSocketPath();

        Assert.Equal(string.IsNullOrEmpty(overridden) ? "/nix/var/nix/daemon-socket/socket" : overridden, resolved);
    }

    [Fact]
    public async Task Connect_NoSocket_ThrowsDaemonException()
    {
        string path = Path.Combine(_directory, "absent");

        var ex = await Assert.ThrowsAsync<NixDaemonException>(() => DaemonConnection.ConnectAsync(path, StorePath.DefaultStoreDir, null, Ct));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ServerAnswersWrongMagic_ThrowsProtocolError()
    {
        string path = await ServeOnceAsync(async s => await s.SendAsync("SSH-2.0-OpenSSH_9.6\r\n"u8.ToArray()));

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => DaemonConnection.ConnectAsync(path, StorePath.DefaultStoreDir, null, Ct));

        Assert.Contains("magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ServerClosesMidHandshake_ThrowsProtocolError()
    {
        var magicOnly = new byte[8];
        BitConverter.TryWriteBytes(magicOnly, WorkerProtocol.Magic2);
        string path = await ServeOnceAsync(async s => await s.SendAsync(magicOnly));

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => DaemonConnection.ConnectAsync(path, StorePath.DefaultStoreDir, null, Ct));

        Assert.Contains("connection closed while reading the daemon protocol version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ServerClosesImmediately_ThrowsProtocolError()
    {
        string path = await ServeOnceAsync(_ => Task.CompletedTask);

        await Assert.ThrowsAsync<NixProtocolException>(() => DaemonConnection.ConnectAsync(path, StorePath.DefaultStoreDir, null, Ct));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Listens on a fresh unix socket, lets <paramref name="respond"/> talk to the first client, then closes.</summary>
    private async Task<string> ServeOnceAsync(Func<Socket, Task> respond)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        _ = Task.Run(
            async () =>
            {
                using (listener)
                {
                    using var peer = await listener.AcceptAsync(Ct);
                    // Read the client's magic first: closing a unix socket with unread data resets the peer instead of ending the stream.
                    var magic = new byte[8];
                    int read = 0;
                    int n;
                    while (read < magic.Length && (n = await peer.ReceiveAsync(magic.AsMemory(read), Ct)) > 0)
                    {
                        read += n;
                    }

                    await respond(peer);
                    peer.Shutdown(SocketShutdown.Both);
                }
            },
            Ct);
        await Task.Yield();
        return path;
    }
}
