using System.Security.Cryptography;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Tests.Store;

/// <summary>The ops of <see cref="DaemonConnection"/>: request bytes, reply parsing and failure handling.</summary>
public sealed partial class DaemonConnectionTests
{
    [Fact]
    public async Task QueryPathInfo_PathOutsideStore_ThrowsBeforeWritingAndStaysUsable()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        var foreign = StorePath.Parse("/tmp/store/" + FakeDaemon.MakePath("a").BaseName, "/tmp/store");

        await Assert.ThrowsAsync<ArgumentException>(() => connection.QueryPathInfoAsync(foreign, Ct));

        Assert.Equal(0, daemon.Pending);
        Assert.False(connection.IsBroken);
        daemon.WriteLast();
        daemon.Writer.WriteBool(false);
        await daemon.FlushAsync(Ct);
        Assert.Null(await connection.QueryPathInfoAsync(FakeDaemon.MakePath("a"), Ct));
    }

    [Theory]
    [InlineData(0x122, true)]
    [InlineData(0x11a, false)]
    public async Task QueryValidPaths_SubstituteFlag_SentOnlyFrom127(int version, bool expectFlag)
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(version, Ct);
        using var owned = connection;
        var a = FakeDaemon.MakePath("a");
        var b = FakeDaemon.MakePath("b");
        daemon.WriteLast();
        daemon.Writer.WriteStorePaths([b]);
        await daemon.FlushAsync(Ct);

        var valid = await connection.QueryValidPathsAsync([a, b], Ct);

        Assert.Equal([b], valid);
        await daemon.ExpectOpAsync(WorkerOp.QueryValidPaths, Ct);
        Assert.Equal([a, b], await daemon.Reader.ReadStorePathsAsync(Ct));
        if (expectFlag)
        {
            Assert.Equal(0UL, await daemon.Reader.ReadUInt64Async(Ct));
        }

        Assert.Equal(0, daemon.Pending);
    }

    [Fact]
    public async Task QueryPathInfo_NotValid_ReturnsNull()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        daemon.WriteLast();
        daemon.Writer.WriteBool(false);
        await daemon.FlushAsync(Ct);

        Assert.Null(await connection.QueryPathInfoAsync(FakeDaemon.MakePath("gone"), Ct));
        Assert.False(connection.IsBroken);
    }

    [Fact]
    public async Task QueryPathInfos_ManyPaths_ArePipelinedAndMatchedInOrder()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        var paths = Enumerable.Range(0, 5).Select(i => FakeDaemon.MakePath("p" + i)).ToList();
        var query = connection.QueryPathInfosAsync(paths, Ct);

        // All five requests must arrive before any reply is sent; without pipelining this times out.
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            foreach (var path in paths)
            {
                await daemon.ExpectOpAsync(WorkerOp.QueryPathInfo, timeout.Token);
                Assert.Equal(path, await daemon.Reader.ReadStorePathAsync(timeout.Token));
            }
        }

        for (int i = 0; i < paths.Count; i++)
        {
            if (i == 2)
            {
                daemon.WriteLast();
                daemon.Writer.WriteBool(false);
            }
            else
            {
                daemon.WritePathInfoReply(FakeDaemon.MakeInfo(paths[i], [paths[0]]), 0x122);
            }
        }

        await daemon.FlushAsync(Ct);
        var infos = await query;

        Assert.Equal([paths[0], paths[1], null, paths[3], paths[4]], infos.Select(i => i?.Path));
        Assert.All(infos.Where(i => i is not null), i => Assert.Equal([paths[0]], i!.References));
    }

    [Fact]
    public async Task QueryPathFromHashPart_KnownAndUnknown_ReturnsPathOrNull()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        var path = FakeDaemon.MakePath("x");
        daemon.WriteLast();
        daemon.Writer.WriteStorePath(path);
        daemon.WriteLast();
        daemon.Writer.WriteString(string.Empty);
        await daemon.FlushAsync(Ct);

        Assert.Equal(path, await connection.QueryPathFromHashPartAsync(path.HashPart, Ct));
        Assert.Null(await connection.QueryPathFromHashPartAsync(new string('0', 32), Ct));
        Assert.Throws<ArgumentException>(() => { _ = connection.QueryPathFromHashPartAsync("/nix/store/abc", Ct); });
        await daemon.ExpectOpAsync(WorkerOp.QueryPathFromHashPart, Ct);
        Assert.Equal(path.HashPart, await daemon.Reader.ReadStringAsync(Ct));
    }

    [Fact]
    public async Task AddTempRootAndQueryAllValidPaths_Replies_AreRead()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        var paths = new[] { FakeDaemon.MakePath("a"), FakeDaemon.MakePath("b") };
        daemon.WriteLast();
        daemon.Writer.WriteUInt64(1);
        daemon.WriteLast();
        daemon.Writer.WriteStorePaths(paths);
        await daemon.FlushAsync(Ct);

        await connection.AddTempRootAsync(paths[0], Ct);
        var all = await connection.QueryAllValidPathsAsync(Ct);

        Assert.Equal(paths, all);
        await daemon.ExpectOpAsync(WorkerOp.AddTempRoot, Ct);
        Assert.Equal(paths[0], await daemon.Reader.ReadStorePathAsync(Ct));
        await daemon.ExpectOpAsync(WorkerOp.QueryAllValidPaths, Ct);
    }

    [Fact]
    public async Task Reply_NonZeroPadding_ThrowsAndBreaksConnection()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        daemon.WriteLast();
        await daemon.Stream.WriteAsync(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, (byte)'x', 0, 0, 9, 0, 0, 0, 0 }, Ct);
        await daemon.FlushAsync(Ct);

        await Assert.ThrowsAsync<NixProtocolException>(() => connection.QueryPathFromHashPartAsync(new string('1', 32), Ct));

        Assert.True(connection.IsBroken);
    }

    [Fact]
    public async Task Reply_StreamEndsMidReply_ThrowsTruncated()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        daemon.WriteLast();
        daemon.Writer.WriteUInt64(3);
        await daemon.FlushAsync(Ct);
        daemon.Dispose();

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => connection.QueryAllValidPathsAsync(Ct));

        Assert.Contains("connection closed", ex.Message, StringComparison.Ordinal);
        Assert.True(connection.IsBroken);
    }

    [Fact]
    public async Task NarFromPath_MatchingNar_IsCopiedAndVerified()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        byte[] nar = RandomNumberGenerator.GetBytes(200_000);
        var info = FakeDaemon.MakeInfo(FakeDaemon.MakePath("nar"), [], nar);
        daemon.WriteLast();
        await daemon.FlushAsync(Ct);
        await daemon.Stream.WriteAsync(nar, Ct);
        var destination = new MemoryStream();

        await connection.NarFromPathAsync(info, destination, Ct);

        Assert.Equal(nar, destination.ToArray());
        Assert.False(connection.IsBroken);
        await daemon.ExpectOpAsync(WorkerOp.NarFromPath, Ct);
        Assert.Equal(info.Path, await daemon.Reader.ReadStorePathAsync(Ct));
    }

    [Fact]
    public async Task NarFromPath_HashMismatch_ThrowsAndBreaksConnection()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        byte[] nar = RandomNumberGenerator.GetBytes(1000);
        var info = FakeDaemon.MakeInfo(FakeDaemon.MakePath("nar"), [], nar);
        nar[500] ^= 1;
        daemon.WriteLast();
        await daemon.FlushAsync(Ct);
        await daemon.Stream.WriteAsync(nar, Ct);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => connection.NarFromPathAsync(info, Stream.Null, Ct));

        Assert.Contains("expected sha256", ex.Message, StringComparison.Ordinal);
        Assert.True(connection.IsBroken);
    }

    [Fact]
    public async Task NarFromPath_Truncated_ThrowsWithSizes()
    {
        var (connection, daemon) = await FakeDaemon.ConnectAsync(0x122, Ct);
        using var owned = connection;
        byte[] nar = RandomNumberGenerator.GetBytes(1000);
        var info = FakeDaemon.MakeInfo(FakeDaemon.MakePath("nar"), [], nar);
        daemon.WriteLast();
        await daemon.FlushAsync(Ct);
        await daemon.Stream.WriteAsync(nar.AsMemory(0, 600), Ct);
        daemon.Dispose();

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => connection.NarFromPathAsync(info, Stream.Null, Ct));

        Assert.Contains("expected 1000 bytes, got 600", ex.Message, StringComparison.Ordinal);
        Assert.True(connection.IsBroken);
    }
}
