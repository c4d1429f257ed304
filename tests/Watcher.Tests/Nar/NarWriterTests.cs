using System.Net.Sockets;
using System.Security.Cryptography;
using Watcher.Nar;

namespace Watcher.Tests.Nar;

public sealed class NarWriterTests
{
    [Fact]
    public async Task WriteAsync_HiFile_MatchesNixDumpBytes()
    {
        using var tree = new TempTree();
        string file = tree.File("t", "hi\n");
        using var output = new MemoryStream();

        var result = await NarWriter.WriteAsync(file, output, TestContext.Current.CancellationToken);

        string expected = "0d00000000000000" + "6e69782d61726368" + "6976652d31000000"
            + "0100000000000000" + "2800000000000000"
            + "0400000000000000" + "7479706500000000"
            + "0700000000000000" + "726567756c617200"
            + "0800000000000000" + "636f6e74656e7473"
            + "0300000000000000" + "68690a0000000000"
            + "0100000000000000" + "2900000000000000";
        Assert.Equal(expected, Convert.ToHexStringLower(output.ToArray()));
        Assert.Equal(120, result.NarSize);
        Assert.Equal("10551daed7fa467d0b58826e7eb9a0f2af7d693de319f2ef775fffcda244b9f6", Convert.ToHexStringLower(result.NarHash));
        Assert.Equal("1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", Watcher.Nix.NixHash.ToNix32(result.NarHash));
    }

    [Fact]
    public async Task WriteAsync_HelloWorldFile_MatchesVector() =>
        await AssertVectorAsync(tree => tree.File("f", "Hello World!"), 128, "03e7f63be30b065d78bcf615f5473545fdb4eb69aa416f43495b4e05cdfb8040");

    [Fact]
    public async Task WriteAsync_SymlinkRoot_StoresTargetWithoutFollowing() =>
        await AssertVectorAsync(tree => tree.Symlink("l", "/nix/store/somewhereelse"), 136, "097d397e9b5826384eaa16c457715d1c1a51670313ead0f58566e0b232539cf1");

    [Fact]
    public async Task WriteAsync_EmptyDirectory_MatchesVector() =>
        await AssertVectorAsync(tree => tree.Dir("d"), 96, "a50a5ab6d992f5598edd92105059fae9acfc192981e08bd88534c2167e92526a");

    [Fact]
    public async Task WriteAsync_NestedTreeWithSymlink_MatchesVector() =>
        await AssertVectorAsync(
            tree =>
            {
                tree.File("d/.keep", string.Empty);
                tree.Symlink("d/aa", "/nix/store/somewhereelse");
                tree.File("d/keep/.keep", string.Empty);
                return tree.PathOf("d");
            },
            840,
            "ebd52279a8df024c9fd5718de4103bf5e760dc7f2cf49044ee7dea87ab16911a");

    [Fact]
    public async Task WriteAsync_ExecutableFile_WritesExecutableMarker() =>
        await AssertVectorAsync(
            tree =>
            {
                tree.File("d/run", "#!/bin/sh\n", executable: true);
                return tree.PathOf("d");
            },
            328,
            "5a30e1ec1b348fb8619ba24ee7ddc8c31eb36aec242db938a205fe47cc498444");

    [Fact]
    public async Task WriteAsync_NamesNeedingByteOrder_SortsAsNixDoes() =>
        await AssertVectorAsync(
            tree =>
            {
                tree.File("d/a", "x");
                tree.File("d/B", "y");
                tree.File("d/é", "z");
                tree.File("d/a.b", "w");
                tree.File("d/a-b", "v");
                tree.Dir("d/ab");
                return tree.PathOf("d");
            },
            1224,
            "3fc149030aa7edc446e6b9b4dddd1225b01058176e66de65fb27ea4aa8a30be5");

    [Fact]
    public async Task WriteAsync_GroupExecuteOnly_IsNotExecutable()
    {
        using var tree = new TempTree();
        string file = tree.File("f", "#!/bin/sh\n");
        TempTree.SetMode(file, UnixFileMode.UserRead | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var ct = TestContext.Current.CancellationToken;

        var result = await NarWriter.WriteAsync(file, Stream.Null, ct);

        Assert.Equal(112 + 16, result.NarSize);
    }

    [Fact]
    public async Task WriteAsync_Socket_ThrowsNamingPath()
    {
        using var tree = new TempTree();
        string path = tree.PathOf("sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));

        var error = await Assert.ThrowsAsync<IOException>(() => NarWriter.WriteAsync(tree.Root, Stream.Null, TestContext.Current.CancellationToken));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("socket", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_TooDeep_Throws()
    {
        using var tree = new TempTree();
        tree.Dir(string.Join('/', Enumerable.Repeat("d", NarFormat.MaxDepth)));

        var error = await Assert.ThrowsAsync<IOException>(() => NarWriter.WriteAsync(tree.Root, Stream.Null, TestContext.Current.CancellationToken));

        Assert.Contains("nested deeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_DeepestAllowedDepth_Succeeds()
    {
        using var tree = new TempTree();
        tree.Dir(string.Join('/', Enumerable.Repeat("d", NarFormat.MaxDepth - 1)));

        var result = await NarWriter.WriteAsync(tree.Root, Stream.Null, TestContext.Current.CancellationToken);

        Assert.True(result.NarSize > 0);
    }

    [Fact]
    public async Task WriteAsync_MissingPath_ThrowsIOException()
    {
        using var tree = new TempTree();

        await Assert.ThrowsAsync<IOException>(() => NarWriter.WriteAsync(tree.PathOf("missing"), Stream.Null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task WriteAsync_FileLargerThanBuffer_HashesWhatWasWritten()
    {
        using var tree = new TempTree();
        byte[] contents = new byte[(3 * 1024 * 1024) + 5];
        new Random(42).NextBytes(contents);
        string file = tree.File("big", contents);
        using var output = new MemoryStream();

        var result = await NarWriter.WriteAsync(file, output, TestContext.Current.CancellationToken);

        byte[] nar = output.ToArray();
        Assert.Equal(112 + contents.Length + 3, result.NarSize);
        Assert.Equal(nar.Length, result.NarSize);
        Assert.Equal(SHA256.HashData(nar), result.NarHash);
        Assert.Equal(contents, nar.AsSpan(96, contents.Length).ToArray());
    }

    private static async Task AssertVectorAsync(Func<TempTree, string> build, long size, string sha256)
    {
        using var tree = new TempTree();
        string path = build(tree);
        using var output = new MemoryStream();

        var result = await NarWriter.WriteAsync(path, output, TestContext.Current.CancellationToken);

        Assert.Equal(size, result.NarSize);
        Assert.Equal(sha256, Convert.ToHexStringLower(result.NarHash));
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(output.ToArray())));
    }
}
