using System.Security.Cryptography;
using Watcher.Caches;
using Watcher.Caches.Zstd;
using Watcher.Nar;
using Watcher.Nix;
using Watcher.Tests.Caches.Zstd;

namespace Watcher.Tests.Caches;

public sealed class NarEncoderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Below and above NarEncoder.MultithreadedFrom, and across several of zstd's multithreaded jobs, with each encoder.
    [Theory]
    [InlineData(ZstdEncoderTests.LibZstd, 0)]
    [InlineData(ZstdEncoderTests.LibZstd, 300)]
    [InlineData(ZstdEncoderTests.LibZstd, 1 << 20)]
    [InlineData(ZstdEncoderTests.LibZstd, (int)NarEncoder.MultithreadedFrom + NarCompression.MultithreadedJobSize * 3 + 17)]
    [InlineData(ZstdEncoderTests.Managed, 300)]
    [InlineData(ZstdEncoderTests.Managed, (int)NarEncoder.MultithreadedFrom + NarCompression.MultithreadedJobSize * 3 + 17)]
    public async Task Zstd_output_decompresses_to_the_nar_and_its_hash_and_size_describe_the_file(string zstd, int size)
    {
        byte[] nar = Compressible(size);
        var encoder = new NarEncoder(NarCompression.Zstd, level: 3, workers: 2, ZstdEncoderTests.EncoderFor(zstd));
        using var file = new MemoryStream();

        var encoded = await encoder.EncodeAsync(InfoFor(nar), new BytesSource(nar), file, Ct);

        byte[] written = file.ToArray();
        Assert.Equal(written.Length, encoded.FileSize);
        Assert.Equal(SHA256.HashData(written), encoded.FileHash);
        Assert.Equal(nar, ZstdEncoderTests.Decompress(written));
        Assert.EndsWith(".nar.zst", encoded.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uncompressed_output_is_the_nar_itself()
    {
        byte[] nar = Compressible(70_000);
        var encoder = new NarEncoder(NarCompression.None, level: 3, workers: 2);
        using var file = new MemoryStream();

        var encoded = await encoder.EncodeAsync(InfoFor(nar), new BytesSource(nar), file, Ct);

        Assert.Equal(nar, file.ToArray());
        Assert.Equal(SHA256.HashData(nar), encoded.FileHash);
        Assert.EndsWith(".nar", encoded.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nar_that_differs_from_the_path_info_is_refused()
    {
        byte[] nar = Compressible(4096);
        var info = InfoFor(nar) with { NarSize = nar.Length + 1 };
        var encoder = new NarEncoder(NarCompression.Zstd, level: 3, workers: 2);

        await Assert.ThrowsAsync<NarMismatchException>(() => encoder.EncodeAsync(info, new BytesSource(nar), Stream.Null, Ct));
    }

    private static byte[] Compressible(int size) => ZstdEncoderTests.Compressible(size);

    internal static PathInfo InfoFor(byte[] nar) => new()
    {
        Path = StorePath.Parse("/nix/store/" + Nix32.Encode(SHA256.HashData(nar).AsSpan(0, 20)) + "-encoded"),
        NarHash = SHA256.HashData(nar),
        NarSize = nar.Length,
        References = [],
    };

    internal sealed class BytesSource(byte[] nar) : INarSource
    {
        public async Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken)
        {
            // In pieces, as the NAR writer hands them over.
            for (int offset = 0; offset < nar.Length; offset += 1 << 16)
            {
                await destination.WriteAsync(nar.AsMemory(offset, Math.Min(1 << 16, nar.Length - offset)), cancellationToken);
            }

            return new NarResult(SHA256.HashData(nar), nar.Length);
        }
    }
}
