using System.Diagnostics;
using System.Text;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nar;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Nar;

[Collection(NixCollection.Name)]
public sealed class NarWriterTests
{
    [Fact]
    public async Task WriteAsync_NamesSortingDifferentlyAsBytes_MatchesNixStoreDump()
    {
        using var tree = new TreeBuilder();
        // UTF-16 order puts the emoji (D83D DE00) before U+E001 and U+FF21; UTF-8 byte order (F0 vs EE/EF) puts it after.
        string[] names = ["B", "a", "a-b", "a.b", "ab", "é", "e\u0301", "😀", "\uE001", "\uFF21", "日本語", "ü", "A B", "~", "-", "a\tb", "ZZ", "𝄞", "ß"];
        foreach (string name in names)
        {
            tree.File("d/" + name, name);
            tree.Dir("d/dir-" + name);
        }

        await AssertSameAsNixAsync(tree.PathOf("d"));
    }

    [Fact]
    public async Task WriteAsync_NamesNotValidUtf8_MatchesNixStoreDump()
    {
        var ct = TestContext.Current.CancellationToken;
        using var tree = new TreeBuilder();
        tree.Dir("d");
        await tree.RawNameFileAsync("d", [0xFF], ct);
        await tree.RawNameFileAsync("d", [0xC3, 0x28], ct);
        await tree.RawNameFileAsync("d", [(byte)'a', 0x80], ct);
        tree.File("d/a", "plain");

        await AssertSameAsNixAsync(tree.PathOf("d"));
    }

    [Fact]
    public async Task WriteAsync_FileSizesAndModes_MatchesNixStoreDump()
    {
        using var tree = new TreeBuilder();
        var random = new Random(17);
        int[] sizes = [.. Enumerable.Range(0, 18), 23, 24, 25, 63, 64, 65, 4095, 4096, 4097, (1024 * 1024) - 1, (1024 * 1024) + 1];
        foreach (int size in sizes)
        {
            byte[] contents = new byte[size];
            random.NextBytes(contents);
            tree.File($"d/plain-{size}", contents);
            tree.File($"d/exec-{size}", contents, executable: true);
        }

        tree.Dir("d/empty-dir");
        string ownerOnly = tree.File("d/owner-x", "x");
        TreeBuilder.SetMode(ownerOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        string groupOnly = tree.File("d/group-x", "x");
        TreeBuilder.SetMode(groupOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);

        await AssertSameAsNixAsync(tree.PathOf("d"));
    }

    [Fact]
    public async Task WriteAsync_Symlinks_MatchesNixStoreDump()
    {
        using var tree = new TreeBuilder();
        tree.File("d/target", "t");
        tree.Dir("d/sub");
        tree.Symlink("d/relative", "target");
        tree.Symlink("d/up", "../d/target");
        tree.Symlink("d/absolute", "/nix/store/somewhereelse");
        tree.Symlink("d/dangling", "does/not/exist");
        tree.Symlink("d/to-dir", "sub");
        tree.Symlink("d/sub/self", ".");
        tree.Symlink("d/utf8", "ünïcödé/😀");

        await AssertSameAsNixAsync(tree.PathOf("d"));
        await AssertSameAsNixAsync(tree.PathOf("d/to-dir"));
    }

    [Fact]
    public async Task WriteAsync_FortyLevelsDeep_MatchesNixStoreDump()
    {
        using var tree = new TreeBuilder();
        string relative = "d/" + string.Join('/', Enumerable.Range(0, 40).Select(i => $"level{i}"));
        tree.File(relative + "/leaf", "deep");
        tree.File("d/level0/level1/side", "side");

        await AssertSameAsNixAsync(tree.PathOf("d"));
    }

    [Fact]
    public async Task WriteAsync_ThousandsOfFiles_MatchesNixStoreDump()
    {
        using var tree = new TreeBuilder();
        var random = new Random(3);
        for (int i = 0; i < 3000; i++)
        {
            byte[] contents = new byte[random.Next(0, 300)];
            random.NextBytes(contents);
            tree.File($"d/group{i % 7}/f{random.Next():x8}-{i}", contents, executable: i % 5 == 0);
        }

        await AssertSameAsNixAsync(tree.PathOf("d"));
    }

    [Fact]
    public async Task WriteAsync_Fifo_FailsLikeNixStoreDump()
    {
        var ct = TestContext.Current.CancellationToken;
        using var tree = new TreeBuilder();
        tree.File("d/a", "a");
        await tree.FifoAsync("d/pipe", ct);

        var ours = await Assert.ThrowsAsync<IOException>(() => NarWriter.WriteAsync(tree.PathOf("d"), Stream.Null, ct));
        var nix = await Assert.ThrowsAsync<InvalidOperationException>(() => NixStoreDump.HashAsync(tree.PathOf("d"), ct));

        Assert.Contains(tree.PathOf("d/pipe"), ours.Message, StringComparison.Ordinal);
        Assert.Contains("FIFO", ours.Message, StringComparison.Ordinal);
        Assert.Contains("unsupported type", nix.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_FileOver100MB_StreamsWithLittleAllocation()
    {
        var ct = TestContext.Current.CancellationToken;
        using var tree = new TreeBuilder();
        const long size = (150L * 1024 * 1024) + 13;
        string file = tree.LargeFile("big", size, seed: 2024);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        var ours = await NarWriter.WriteAsync(file, Stream.Null, ct);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(allocated < 16 * 1024 * 1024, $"allocated {allocated} bytes while writing a {size}-byte file");
        var nix = await NixStoreDump.HashAsync(file, ct);
        Assert.Equal(nix.NarSize, ours.NarSize);
        Assert.Equal(nix.NarHash, ours.NarHash);
        Assert.Equal(112 + size + 3, ours.NarSize);
    }

    [Fact]
    public async Task WriteAsync_DotnetSdkInStore_MatchesNixStoreDumpAndDatabase()
    {
        var ct = TestContext.Current.CancellationToken;
        string storePath = await DotnetSdk.StorePathAsync(ct);

        var stopwatch = Stopwatch.StartNew();
        var ours = await NarWriter.WriteAsync(storePath, Stream.Null, ct);
        stopwatch.Stop();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{storePath}: {ours.NarSize} bytes in {stopwatch.Elapsed.TotalMilliseconds:F0} ms ({ours.NarSize / stopwatch.Elapsed.TotalSeconds / 1e9:F2} GB/s)");
        var nix = await NixStoreDump.HashAsync(storePath, ct);
        Assert.Equal(nix.NarSize, ours.NarSize);
        Assert.Equal(nix.NarHash, ours.NarHash);
        var database = await DotnetSdk.DatabaseNarAsync(storePath, ct);
        Assert.Equal(database.NarHash, NixHash.ToPrefixedNix32(ours.NarHash));
        Assert.Equal(database.NarSize, ours.NarSize);
    }

    private static async Task AssertSameAsNixAsync(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var output = new MemoryStream();

        var result = await NarWriter.WriteAsync(path, output, ct);

        byte[] expected = await NixStoreDump.BytesAsync(path, ct);
        byte[] actual = output.ToArray();
        int firstDifference = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(
            expected.AsSpan().SequenceEqual(actual),
            $"NAR differs from nix-store --dump at byte {firstDifference} (lengths {actual.Length} vs {expected.Length}): ours '{Context(actual, firstDifference)}', nix '{Context(expected, firstDifference)}'");
        Assert.Equal(expected.Length, result.NarSize);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(expected), result.NarHash);
    }

    private static string Context(byte[] bytes, int at) =>
        Encoding.UTF8.GetString(bytes, Math.Max(0, at - 40), Math.Min(bytes.Length, at + 40) - Math.Max(0, at - 40)).ReplaceLineEndings(" ");
}
