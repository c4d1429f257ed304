using Watcher.Core;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Tests.Store;

/// <summary>Handshake and stderr-loop behaviour of <see cref="DaemonConnection"/> against a scripted in-memory daemon.</summary>
public sealed partial class DaemonConnectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Handshake_Daemon134_OffersDaemonVersionAndReadsNoTrust()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;

        Assert.Equal(0x122, daemon.ClientVersion);
        Assert.Equal(0x122, connection.ProtocolVersion);
        Assert.Equal("2.99.0", connection.DaemonNixVersion);
        Assert.Null(connection.IsTrusted);
        Assert.Null(daemon.ClientFeatures);
        Assert.False(connection.IsBroken);
    }

    [Theory]
    [InlineData(1UL, true)]
    [InlineData(2UL, false)]
    [InlineData(0UL, null)]
    public async Task Handshake_Daemon135_ReadsTrustFlag(ulong trust, bool? expected)
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x123, Ct, trust);
        using var owned = connection;

        Assert.Equal(0x123, daemon.ClientVersion);
        Assert.Equal(expected, connection.IsTrusted);
    }

    [Fact]
    public async Task Handshake_Daemon137_ReadsTrustWithoutFeatureExchange()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x125, Ct, trust: 1);
        using var owned = connection;

        Assert.Equal(0x125, daemon.ClientVersion);
        Assert.Null(daemon.ClientFeatures);
        Assert.True(connection.IsTrusted);
        Assert.Empty(connection.DaemonFeatures);
    }

    [Theory]
    [InlineData(0x126)]
    [InlineData(0x127)]
    public async Task Handshake_Daemon138OrNewer_SendsEmptyFeatureSetBeforeAffinity(int daemonVersion)
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(daemonVersion, Ct, trust: 2, features: ["bar", "foo"]);
        using var owned = connection;

        Assert.Equal(0x126, daemon.ClientVersion);
        Assert.Equal(0x126, connection.ProtocolVersion);
        Assert.Equal(daemonVersion, connection.DaemonProtocolVersion);
        Assert.Equal([], daemon.ClientFeatures);
        // The client must wait for the daemon's features before sending affinity and reserveSpace.
        Assert.Equal(0, daemon.BytesPendingAfterFeatures);
        Assert.Equal(["bar", "foo"], connection.DaemonFeatures);
        Assert.False(connection.IsTrusted);
    }

    [Fact]
    public async Task Handshake_HandshakeToClientVector_RefusesProtocol110()
    {
        var (client, server) = PairedStream.Create();
        await server.WriteAsync(WireVectors.Bin("handshake-to-client"), Ct);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => DaemonConnection.HandshakeAsync(client, StorePath.DefaultStoreDir, null, Ct));

        Assert.Contains("got 1.10", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x226UL)]
    [InlineData(0x114UL)]
    [InlineData(0x1_0000_0122UL)]
    public async Task Handshake_UnsupportedVersion_Throws(ulong version)
    {
        var (client, server) = PairedStream.Create();
        var daemon = new FakeDaemon(server);
        daemon.Writer.WriteUInt64(WorkerProtocol.Magic2);
        daemon.Writer.WriteUInt64(version);
        await daemon.FlushAsync(Ct);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => DaemonConnection.HandshakeAsync(client, StorePath.DefaultStoreDir, null, Ct));

        Assert.Contains("unsupported nix-daemon protocol version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_WrongMagic_Throws()
    {
        var (client, server) = PairedStream.Create();
        await server.WriteAsync("HTTP/1.1 400 Bad Request\r\n"u8.ToArray(), Ct);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => DaemonConnection.HandshakeAsync(client, StorePath.DefaultStoreDir, null, Ct));

        Assert.Contains("expected 0x6478696f", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_DaemonClosesAfterVersion_ThrowsTruncated()
    {
        var (client, server) = PairedStream.Create();
        var daemon = new FakeDaemon(server);
        daemon.Writer.WriteUInt64(WorkerProtocol.Magic2);
        daemon.Writer.WriteUInt64(0x122);
        await daemon.FlushAsync(Ct);
        server.Dispose();

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => DaemonConnection.HandshakeAsync(client, StorePath.DefaultStoreDir, null, Ct));

        Assert.Contains("connection closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ErrorInStartupPhase_ThrowsDaemonException()
    {
        var (client, server) = PairedStream.Create();
        var daemon = new FakeDaemon(server);
        var handshake = DaemonConnection.HandshakeAsync(client, StorePath.DefaultStoreDir, null, Ct);
        Assert.Equal(WorkerProtocol.Magic1, await daemon.Reader.ReadUInt64Async(Ct));
        daemon.Writer.WriteUInt64(WorkerProtocol.Magic2);
        daemon.Writer.WriteUInt64(0x122);
        daemon.Writer.WriteString("2.8.0");
        daemon.WriteError("\u001b[31;1merror:\u001b[0m user 'nobody' is not allowed");
        await daemon.FlushAsync(Ct);

        var ex = await Assert.ThrowsAsync<NixDaemonException>(() => handshake);

        Assert.Equal("error: user 'nobody' is not allowed", ex.Message);
    }

    [Fact]
    public async Task StderrLoop_LogMessagesAndActivities_AreConsumedBeforeReply()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        var path = FakeDaemon.MakePath("a");
        var w = daemon.Writer;
        w.WriteUInt64(WorkerProtocol.StderrNext);
        w.WriteString("\u001b[35;1mwarning:\u001b[0m something\n");
        w.WriteUInt64(WorkerProtocol.StderrStartActivity);
        w.WriteUInt64(7);
        w.WriteUInt64(3);
        w.WriteUInt64(109);
        w.WriteString("querying info");
        w.WriteUInt64(2);
        w.WriteUInt64(0);
        w.WriteUInt64(42);
        w.WriteUInt64(1);
        w.WriteString("field");
        w.WriteUInt64(0);
        w.WriteUInt64(WorkerProtocol.StderrResult);
        w.WriteUInt64(7);
        w.WriteUInt64(105);
        w.WriteUInt64(1);
        w.WriteUInt64(0);
        w.WriteUInt64(5);
        w.WriteUInt64(WorkerProtocol.StderrStopActivity);
        w.WriteUInt64(7);
        daemon.WriteLast();
        w.WriteBool(true);
        await daemon.FlushAsync(Ct);

        Assert.True(await connection.IsValidPathAsync(path, Ct));
        Assert.False(connection.IsBroken);
    }

    [Fact]
    public async Task StderrLoop_StructuredError_ThrowsAndBreaksConnection()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        daemon.WriteError("\u001b[31;1merror:\u001b[0m path '\u001b[35;1m/nix/store/x\u001b[0m' is not valid", "while doing something");
        await daemon.FlushAsync(Ct);

        var ex = await Assert.ThrowsAsync<NixDaemonException>(() => connection.IsValidPathAsync(FakeDaemon.MakePath("a"), Ct));

        Assert.Equal("error: path '/nix/store/x' is not valid\nwhile doing something", ex.Message);
        Assert.Null(ex.ExitStatus);
        Assert.True(connection.IsBroken);
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.IsValidPathAsync(FakeDaemon.MakePath("a"), Ct));
    }

    [Fact]
    public async Task StderrLoop_OldErrorFormatBelow126_ThrowsWithExitStatus()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x119, Ct);
        using var owned = connection;
        Assert.Equal(0x119, daemon.ClientVersion);
        daemon.WriteOldError("error: out of luck\n", 100);
        await daemon.FlushAsync(Ct);

        var ex = await Assert.ThrowsAsync<NixDaemonException>(() => connection.IsValidPathAsync(FakeDaemon.MakePath("a"), Ct));

        Assert.Equal("error: out of luck", ex.Message);
        Assert.Equal(100UL, ex.ExitStatus);
        Assert.True(connection.IsBroken);
    }

    [Theory]
    [InlineData(0x12345678UL, "got 0x12345678")]
    [InlineData(WorkerProtocol.StderrRead, "STDERR_READ")]
    [InlineData(WorkerProtocol.StderrWrite, "STDERR_WRITE")]
    public async Task StderrLoop_UnexpectedTag_ThrowsProtocolErrorAndBreaksConnection(ulong tag, string expectedText)
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        daemon.Writer.WriteUInt64(tag);
        daemon.Writer.WriteUInt64(16);
        await daemon.FlushAsync(Ct);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => connection.IsValidPathAsync(FakeDaemon.MakePath("a"), Ct));

        Assert.Contains(expectedText, ex.Message, StringComparison.Ordinal);
        Assert.True(connection.IsBroken);
    }

    [Fact]
    public async Task Handshake_Daemon130_ReadsNoVersionStringOrTrust()
    {
        // Upstream's vector for the post-handshake fields at 1.30 is empty.
        Assert.Empty(WireVectors.Bin("client-handshake-info_1_30"));

        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x11e, Ct, trust: 1);
        using var owned = connection;

        Assert.Equal(0x11e, daemon.ClientVersion);
        Assert.Null(connection.DaemonNixVersion);
        Assert.Null(connection.IsTrusted);
        Assert.Equal(0, daemon.Pending);
    }

    [Fact]
    public async Task StderrLoop_DaemonMessage_IsLoggedAtDebugWithoutAnsi()
    {
        var (client, server) = PairedStream.Create();
        var daemon = new FakeDaemon(server);
        daemon.Writer.WriteUInt64(WorkerProtocol.Magic2);
        daemon.Writer.WriteUInt64(0x122);
        daemon.Writer.WriteString("2.8.0");
        daemon.Writer.WriteUInt64(WorkerProtocol.StderrNext);
        daemon.Writer.WriteString("\u001b[35;1mwarning:\u001b[0m low disk\n");
        daemon.WriteLast();
        await daemon.FlushAsync(Ct);
        var logger = new ListLogger();

        using var connection = await DaemonConnection.HandshakeAsync(client, StorePath.DefaultStoreDir, logger, Ct);

        var entry = Assert.Single(logger.Entries, e => e.EventId.Id == 1101);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, entry.Level);
        Assert.Equal("nix-daemon: warning: low disk", entry.Message);
    }

    [Fact]
    public void StripAnsi_ColourCodes_AreRemoved()
    {
        Assert.Equal("error: bad path 'x'", DaemonConnection.StripAnsi("\u001b[31;1merror:\u001b[0m bad path '\u001b[35;1mx\u001b[0m'"));
    }
}
