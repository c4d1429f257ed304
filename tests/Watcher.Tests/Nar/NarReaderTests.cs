using System.Text;
using Watcher.Core;
using Watcher.Nar;

namespace Watcher.Tests.Nar;

public sealed class NarReaderTests
{
    private static readonly string[] ValidDirectory =
    [
        "nix-archive-1", "(", "type", "directory",
        "entry", "(", "name", "a", "node", "(", "type", "regular", "executable", "", "contents", "xyz", ")", ")",
        "entry", "(", "name", "b", "node", "(", "type", "symlink", "target", "a", ")", ")",
        "entry", "(", "name", "c", "node", "(", "type", "directory", ")", ")",
        ")",
    ];

    [Fact]
    public async Task CopyAsync_WriterOutputWithTrailingBytes_CopiesExactlyTheNar()
    {
        var ct = TestContext.Current.CancellationToken;
        using var tree = new TempTree();
        tree.File("d/a", "x");
        tree.File("d/bin/run", "#!/bin/sh\n", executable: true);
        tree.Symlink("d/link", "bin/run");
        tree.Dir("d/empty");
        tree.File("d/sub/deeper/file", new byte[300_000]);
        using var nar = new MemoryStream();
        var written = await NarWriter.WriteAsync(tree.PathOf("d"), nar, ct);
        byte[] trailer = "STDERR_NEXT and more protocol"u8.ToArray();
        using var source = new MemoryStream([.. nar.ToArray(), .. trailer]);
        using var destination = new MemoryStream();

        var read = await NarReader.CopyAsync(source, destination, ct);

        Assert.Equal(written.NarHash, read.NarHash);
        Assert.Equal(written.NarSize, read.NarSize);
        Assert.Equal(nar.ToArray(), destination.ToArray());
        Assert.Equal(written.NarSize, source.Position);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task ReadAsync_SourceReturningSmallChunks_StopsAtEnd(int chunk)
    {
        var ct = TestContext.Current.CancellationToken;
        byte[] nar = Build(ValidDirectory);
        using var source = new ChunkedStream([.. nar, .. new byte[100]], chunk);

        var result = await NarReader.ReadAsync(source, ct);

        Assert.Equal(nar.Length, result.NarSize);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(nar), result.NarHash);
        Assert.Equal(nar.Length, source.Position);
    }

    [Theory]
    [InlineData("bad magic", "nix-archive-2", "(", "type", "regular", "contents", "x", ")")]
    [InlineData("unknown type", "nix-archive-1", "(", "type", "fifo", ")")]
    [InlineData("wrong keyword", "nix-archive-1", "(", "typ", "regular", "contents", "x", ")")]
    [InlineData("marker not empty", "nix-archive-1", "(", "type", "regular", "executable", "1", "contents", "x", ")")]
    [InlineData("missing close", "nix-archive-1", "(", "type", "regular", "contents", "x", "(")]
    [InlineData("unsorted", "nix-archive-1", "(", "type", "directory", "entry", "(", "name", "b", "node", "(", "type", "directory", ")", ")", "entry", "(", "name", "a", "node", "(", "type", "directory", ")", ")", ")")]
    [InlineData("duplicate", "nix-archive-1", "(", "type", "directory", "entry", "(", "name", "a", "node", "(", "type", "directory", ")", ")", "entry", "(", "name", "a", "node", "(", "type", "directory", ")", ")", ")")]
    [InlineData("byte order", "nix-archive-1", "(", "type", "directory", "entry", "(", "name", "a", "node", "(", "type", "directory", ")", ")", "entry", "(", "name", "B", "node", "(", "type", "directory", ")", ")", ")")]
    [InlineData("dot", "nix-archive-1", "(", "type", "directory", "entry", "(", "name", ".", "node", "(", "type", "directory", ")", ")", ")")]
    [InlineData("dot dot", "nix-archive-1", "(", "type", "directory", "entry", "(", "name", "..", "node", "(", "type", "directory", ")", ")", ")")]
    [InlineData("slash", "nix-archive-1", "(", "type", "directory", "entry", "(", "name", "a/b", "node", "(", "type", "directory", ")", ")", ")")]
    [InlineData("nul", "nix-archive-1", "(", "type", "directory", "entry", "(", "name", "a\0b", "node", "(", "type", "directory", ")", ")", ")")]
    [InlineData("empty name", "nix-archive-1", "(", "type", "directory", "entry", "(", "name", "", "node", "(", "type", "directory", ")", ")", ")")]
    [InlineData("nul target", "nix-archive-1", "(", "type", "symlink", "target", "a\0", ")")]
    [InlineData("empty target", "nix-archive-1", "(", "type", "symlink", "target", "", ")")]
    public async Task ReadAsync_InvalidNar_ThrowsWithOffset(string scenario, params string[] tokens)
    {
        using var source = new MemoryStream(Build(tokens));

        var error = await Assert.ThrowsAsync<NixProtocolException>(() => NarReader.ReadAsync(source, TestContext.Current.CancellationToken));

        Assert.Contains("offset", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected", error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(scenario));
    }

    [Fact]
    public async Task ReadAsync_UnsortedNames_SaysNotSorted()
    {
        string[] tokens = [.. ValidDirectory];
        tokens[Array.IndexOf(tokens, "c")] = "a";

        var error = await Assert.ThrowsAsync<NixProtocolException>(() => NarReader.ReadAsync(new MemoryStream(Build(tokens)), TestContext.Current.CancellationToken));

        Assert.Contains("not sorted", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(33)]
    public async Task ReadAsync_NonZeroPadding_Throws(int offset)
    {
        byte[] nar = Build("nix-archive-1", "(", "type", "regular", "contents", "hi\n", ")");
        nar[offset] = 1;

        var error = await Assert.ThrowsAsync<NixProtocolException>(() => NarReader.ReadAsync(new MemoryStream(nar), TestContext.Current.CancellationToken));

        Assert.Contains("zero padding", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(1111)]
    public async Task ReadAsync_TruncatedMidFile_Throws(int length)
    {
        byte[] nar = Build("nix-archive-1", "(", "type", "regular", "contents", new string('x', 1000), ")");
        Assert.Equal(1112, nar.Length);

        var error = await Assert.ThrowsAsync<NixProtocolException>(() => NarReader.ReadAsync(new MemoryStream(nar[..length]), TestContext.Current.CancellationToken));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_HugeStringLength_ThrowsWithoutAllocating()
    {
        byte[] nar = Build("nix-archive-1", "(", "type", "symlink", "target", "x", ")");
        BitConverter.TryWriteBytes(nar.AsSpan(88), ulong.MaxValue);

        var error = await Assert.ThrowsAsync<NixProtocolException>(() => NarReader.ReadAsync(new MemoryStream(nar), TestContext.Current.CancellationToken));

        Assert.Contains("offset 88", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_TooDeep_Throws()
    {
        var tokens = new List<string> { "nix-archive-1" };
        for (int i = 0; i < NarFormat.MaxDepth; i++)
        {
            tokens.AddRange(["(", "type", "directory", "entry", "(", "name", "d", "node"]);
        }

        tokens.AddRange(["(", "type", "directory", ")"]);

        var error = await Assert.ThrowsAsync<NixProtocolException>(() => NarReader.ReadAsync(new MemoryStream(Build([.. tokens])), TestContext.Current.CancellationToken));

        Assert.Contains("deeper", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Encodes each token as a wire string; file contents are one too.</summary>
    private static byte[] Build(params string[] tokens)
    {
        var nar = new MemoryStream();
        byte[] scratch = new byte[64 * 1024];
        foreach (string token in tokens)
        {
            int length = NarFormat.WriteString(scratch, Encoding.UTF8.GetBytes(token));
            nar.Write(scratch, 0, length);
        }

        return nar.ToArray();
    }

    /// <summary>A read-only stream that returns at most <c>chunk</c> bytes per read, like a slow socket.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
