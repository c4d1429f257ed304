using Watcher.Core;
using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Tests.Store;

/// <summary><see cref="NixDaemonClient"/> over a pool of in-memory daemons serving a fixed store.</summary>
public sealed class NixDaemonClientTests
{
    private readonly Dictionary<StorePath, PathInfo> _store = [];
    private readonly List<Task> _daemons = [];
    private readonly List<FakeDaemon> _fakes = [];
    private int _connects;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task QueryClosure_Dag_ReturnsEveryPathReferencesFirst()
    {
        // c -> b -> a, c -> a, d -> c, with self-references on a and c.
        var a = Add("a", self: true);
        var b = Add("b", a);
        var c = Add("c", self: true, b, a);
        var d = Add("d", c);
        Add("unrelated");
        using var client = CreateSut();

        var closure = await client.QueryClosureAsync([d, b], Ct);

        Assert.Equal(new[] { a, b, c, d }.ToHashSet(), closure.Select(i => i.Path).ToHashSet());
        Assert.Equal(4, closure.Count);
        AssertReferencesFirst(closure);
    }

    [Fact]
    public async Task QueryClosure_LongChain_SpansBatchesAndStaysOrdered()
    {
        var previous = Add("n0");
        for (int i = 1; i < 300; i++)
        {
            previous = Add("n" + i, previous);
        }

        var wide = Add("wide", [.. _store.Keys]);
        using var client = CreateSut();

        var closure = await client.QueryClosureAsync([wide], Ct);

        Assert.Equal(301, closure.Count);
        Assert.Equal(wide, closure[^1].Path);
        AssertReferencesFirst(closure);
    }

    [Fact]
    public async Task QueryClosure_InvalidRoot_ThrowsDaemonException()
    {
        using var client = CreateSut();

        var ex = await Assert.ThrowsAsync<NixDaemonException>(() => client.QueryClosureAsync([FakeDaemon.MakePath("missing")], Ct));

        Assert.Contains("is not valid", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_PathOutsideStore_ThrowBeforeConnecting()
    {
        using var client = CreateSut();
        var foreign = StorePath.Parse("/tmp/store/" + FakeDaemon.MakePath("a").BaseName, "/tmp/store");

        await Assert.ThrowsAsync<ArgumentException>(() => client.QueryValidPathsAsync([foreign], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => client.QueryClosureAsync([foreign], Ct));
        Assert.Throws<ArgumentException>(() => { _ = client.QueryPathFromHashPartAsync("short", Ct); });

        Assert.Equal(0, _connects);
    }

    [Fact]
    public async Task Pool_ConnectionBrokenByError_IsReplaced()
    {
        var a = Add("a");
        using var client = CreateSut();
        Assert.NotNull((await client.QueryPathInfosAsync([a], Ct))[0]);

        // The fake daemon answers AddTempRoot for a path it does not hold with an error, which breaks that connection.
        await Assert.ThrowsAsync<NixDaemonException>(() => client.AddTempRootAsync(FakeDaemon.MakePath("missing"), Ct));
        Assert.NotNull((await client.QueryPathInfosAsync([a], Ct))[0]);

        Assert.Equal(2, _connects);
    }

    [Fact]
    public async Task Pool_SequentialCalls_ReuseOneConnection()
    {
        var a = Add("a");
        using var client = CreateSut();

        for (int i = 0; i < 5; i++)
        {
            Assert.NotNull((await client.QueryPathInfosAsync([a], Ct))[0]);
        }

        Assert.Equal(1, _connects);
    }

    [Fact]
    public async Task Pool_ParallelCalls_UseAtMostMaxConnections()
    {
        var paths = Enumerable.Range(0, 40).Select(i => Add("p" + i)).ToList();
        using var client = CreateSut(maxConnections: 3);

        var results = await Task.WhenAll(paths.Select(p => client.QueryPathInfosAsync([p], Ct)));

        Assert.All(results, r => Assert.NotNull(r[0]));
        Assert.InRange(_connects, 1, 3);
    }

    [Fact]
    public async Task HoldTempRoots_AfterAQuery_TakesTheIdleConnectionAndClosesItWhenDisposed()
    {
        var a = Add("a");
        using var client = CreateSut();
        Assert.NotNull((await client.QueryPathInfosAsync([a], Ct))[0]);

        var held = await client.HoldTempRootsAsync([a], Ct);
        Assert.Equal(1, _connects);
        Assert.Equal([a], _fakes[0].TempRoots);
        held.Dispose();

        // The daemon sees the hang-up, so the roots are gone; the pool never got the connection back.
        await _daemons[0].WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.NotNull((await client.QueryPathInfosAsync([a], Ct))[0]);
        Assert.Equal(2, _connects);
    }

    [Fact]
    public async Task HoldTempRoots_IdleConnectionClosedByTheDaemon_HoldsOnAFreshOne()
    {
        var a = Add("a");
        using var client = CreateSut();
        Assert.NotNull((await client.QueryPathInfosAsync([a], Ct))[0]);
        _fakes[0].Dispose();

        using (await client.HoldTempRootsAsync([a], Ct))
        {
            Assert.Equal(2, _connects);
            Assert.Equal([a], _fakes[1].TempRoots);
        }
    }

    private static void AssertReferencesFirst(IReadOnlyList<PathInfo> closure)
    {
        var position = closure.Select((info, index) => (info.Path, index)).ToDictionary(x => x.Path, x => x.index);
        foreach (var info in closure)
        {
            foreach (var reference in info.ReferencesExceptSelf)
            {
                Assert.True(position[reference] < position[info.Path], $"{reference} must precede {info.Path}");
            }
        }
    }

    private StorePath Add(string name, params StorePath[] references) => Add(name, false, references);

    private StorePath Add(string name, bool self, params StorePath[] references)
    {
        var path = FakeDaemon.MakePath(name);
        _store[path] = FakeDaemon.MakeInfo(path, self ? [.. references, path] : references);
        return path;
    }

    [Fact]
    public async Task QueryDaemonInfo_AfterTheHandshake_ReportsTheNixVersionAndTheProtocolInUse()
    {
        using var client = CreateSut();

        var info = await client.QueryDaemonInfoAsync(Ct);

        Assert.Equal(new DaemonInfo("2.99.0", 0x122, 0x122, null), info);
        Assert.Equal("Nix 2.99.0, protocol 1.34 (the daemon speaks 1.34, nix-watcher up to 1.38)", info.ToString());
    }

    private NixDaemonClient CreateSut(int maxConnections = 4) => NixDaemonClient.Create(
        async ct =>
        {
            Interlocked.Increment(ref _connects);
            var (client, server) = PairedStream.Create();
            var daemon = new FakeDaemon(server);
            var handshake = daemon.HandshakeAsync(0x122, ct);
            var connection = await DaemonConnection.HandshakeAsync(client, StorePath.DefaultStoreDir, null, ct);
            await handshake;
            lock (_daemons)
            {
                _daemons.Add(daemon.ServeAsync(_store, 0x122, CancellationToken.None));
                _fakes.Add(daemon);
            }

            return connection;
        },
        maxConnections);
}
