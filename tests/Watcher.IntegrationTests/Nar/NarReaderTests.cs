using System.Security.Cryptography;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nar;
using Watcher.Nix;
using Watcher.Tests.Nar;

namespace Watcher.IntegrationTests.Nar;

[Collection(NixCollection.Name)]
public sealed class NarReaderTests
{
    [Fact]
    public async Task CopyAsync_NixStoreDumpOfAwkwardTree_CopiesExactlyAndStopsAtEnd()
    {
        var ct = TestContext.Current.CancellationToken;
        using var tree = new TreeBuilder();
        tree.File("d/B", "y");
        tree.File("d/😀", "emoji");
        tree.File("d/\uFF21", "fullwidth");
        tree.File("d/bin/run", "#!/bin/sh\n", executable: true);
        tree.File("d/empty", string.Empty);
        tree.Symlink("d/link", "bin/run");
        tree.Dir("d/empty-dir");
        byte[] expected = await NixStoreDump.BytesAsync(tree.PathOf("d"), ct);
        using var destination = new MemoryStream();

        var (result, trailing) = await NixStoreDump.RunAsync(tree.PathOf("d"), (stdout, c) => CopyThenProbeAsync(stdout, destination, c), ct);

        Assert.Equal(expected, destination.ToArray());
        Assert.Equal(expected.Length, result.NarSize);
        Assert.Equal(SHA256.HashData(expected), result.NarHash);
        Assert.Equal(0, trailing);
    }

    [Fact]
    public async Task CopyAsync_NixStoreDumpOfDotnetSdk_MatchesDatabaseHash()
    {
        var ct = TestContext.Current.CancellationToken;
        string storePath = await DotnetSdk.StorePathAsync(ct);
        using var copy = new HashingWriteStream(null);

        var (result, trailing) = await NixStoreDump.RunAsync(storePath, (stdout, c) => CopyThenProbeAsync(stdout, copy, c), ct);

        var database = await DotnetSdk.DatabaseNarAsync(storePath, ct);
        Assert.Equal(database.NarHash, NixHash.ToPrefixedNix32(result.NarHash));
        Assert.Equal(database.NarSize, result.NarSize);
        Assert.Equal(result.NarSize, copy.BytesWritten);
        Assert.Equal(result.NarHash, copy.GetCurrentHash());
        Assert.Equal(0, trailing);
    }

    /// <summary>Copies the NAR, then reads what is left of the stream, which must be nothing.</summary>
    private static async Task<(NarResult Result, int Trailing)> CopyThenProbeAsync(Stream stdout, Stream destination, CancellationToken cancellationToken)
    {
        var result = await NarReader.CopyAsync(stdout, destination, cancellationToken);
        int trailing = await stdout.ReadAsync(new byte[16], cancellationToken);
        return (result, trailing);
    }
}
