using System.Security.Cryptography;
using Watcher.Nar;
using Watcher.Nix;
using Watcher.Upload;
using ZstdSharp;

namespace Watcher.Tests.Upload;

public sealed class NarEncoderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Below and above NarEncoder.MultithreadedFrom, and across several of zstd's multithreaded jobs.
    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(1 << 20)]
    [InlineData((int)NarEncoder.MultithreadedFrom + NarCompression.MultithreadedJobSize * 3 + 17)]
    public async Task Zstd_output_decompresses_to_the_nar_and_its_hash_and_size_describe_the_file(int size)
    {
        byte[] nar = Compressible(size);
        var encoder = new NarEncoder(NarCompression.Zstd, level: 3, workers: 2);
        using var file = new MemoryStream();

        var encoded = await encoder.EncodeAsync(InfoFor(nar), new BytesSource(nar), file, Ct);

        byte[] written = file.ToArray();
        Assert.Equal(written.Length, encoded.FileSize);
        Assert.Equal(SHA256.HashData(written), encoded.FileHash);
        Assert.Equal(nar, Decompress(written));
        Assert.EndsWith(".nar.zst", encoded.Url, StringComparison.Ordinal);
    }

    // The size hint only sizes zstd's tables: a stream longer or shorter than hinted still round-trips.
    [Theory]
    [InlineData(100, 5_000_000)]
    [InlineData(5_000_000, 100)]
    [InlineData(20_000_000, 1)]
    public void A_wrong_size_hint_still_compresses_correctly(int actual, long hint)
    {
        byte[] data = Compressible(actual);
        using var output = new MemoryStream();
        using (var zstd = NarCompression.Wrap(NarCompression.Zstd, output, level: 3, workers: 2, sizeHint: hint))
        {
            zstd.Write(data);
        }

        Assert.Equal(data, Decompress(output.ToArray()));
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

    /// <summary>Text-like bytes (zstd shrinks them) that are not one repeated block.</summary>
    private static byte[] Compressible(int size)
    {
        var random = new Random(size);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++)
        {
            data[i] = (byte)('a' + random.Next(8));
        }

        return data;
    }

    private static byte[] Decompress(byte[] compressed)
    {
        using var input = new DecompressionStream(new MemoryStream(compressed));
        using var result = new MemoryStream();
        input.CopyTo(result);
        return result.ToArray();
    }

    private static PathInfo InfoFor(byte[] nar) => new()
    {
        Path = StorePath.Parse("/nix/store/" + Nix32.Encode(SHA256.HashData(nar).AsSpan(0, 20)) + "-encoded"),
        NarHash = SHA256.HashData(nar),
        NarSize = nar.Length,
        References = [],
    };

    private sealed class BytesSource(byte[] nar) : INarSource
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
