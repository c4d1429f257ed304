using Watcher.Caches.Zstd;
using ZstdSharp;

namespace Watcher.Tests.Caches.Zstd;

/// <summary>Both zstd encoders, libzstd and the managed port, under the same round trips (decoded by ZstdSharp).</summary>
public sealed class ZstdEncoderTests
{
    public const string LibZstd = "libzstd";
    public const string Managed = "managed";

    public static TheoryData<string, int, int> Sizes()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string encoder in new[] { LibZstd, Managed })
        {
            data.Add(encoder, 0, 1);
            data.Add(encoder, 300, 1);
            data.Add(encoder, 1 << 20, 1);
            // Several of zstd's multithreaded jobs, not a multiple of the job size.
            data.Add(encoder, NarCompression.MultithreadedJobSize * 3 + 17, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Create_WrittenInPieces_DecompressesToTheInput(string encoder, int size, int workers)
    {
        byte[] data = Compressible(size);
        using var output = new MemoryStream();

        await using (Stream zstd = EncoderFor(encoder).Create(output, level: 3, workers, sizeHint: size))
        {
            for (int offset = 0; offset < size; offset += 70_000)
            {
                await zstd.WriteAsync(data.AsMemory(offset, Math.Min(70_000, size - offset)), TestContext.Current.CancellationToken);
            }
        }

        Assert.Equal(data, Decompress(output.ToArray()));
    }

    // Incompressible input: the compressed frame is larger than libzstd's output buffer many times over.
    [Theory]
    [InlineData(LibZstd)]
    [InlineData(Managed)]
    public void Create_IncompressibleInputInOneWrite_DecompressesToTheInput(string encoder)
    {
        byte[] data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        using var output = new MemoryStream();

        using (Stream zstd = EncoderFor(encoder).Create(output, level: 3, workers: 2, sizeHint: data.Length))
        {
            zstd.Write(data);
        }

        Assert.True(output.Length > 8 * LibZstdStream.OutputBufferSize);
        Assert.Equal(data, Decompress(output.ToArray()));
    }

    // The size hint only sizes zstd's tables: a stream longer or shorter than hinted still round-trips.
    [Theory]
    [InlineData(LibZstd, 100, 5_000_000)]
    [InlineData(LibZstd, 5_000_000, 100)]
    [InlineData(LibZstd, 20_000_000, 1)]
    [InlineData(Managed, 100, 5_000_000)]
    [InlineData(Managed, 5_000_000, 100)]
    [InlineData(Managed, 20_000_000, 1)]
    public void Create_WrongSizeHint_StillRoundTrips(string encoder, int actual, long hint)
    {
        byte[] data = Compressible(actual);
        using var output = new MemoryStream();

        using (Stream zstd = EncoderFor(encoder).Create(output, level: 3, workers: 2, sizeHint: hint))
        {
            zstd.Write(data);
        }

        Assert.Equal(data, Decompress(output.ToArray()));
    }

    [Theory]
    [InlineData(LibZstd)]
    [InlineData(Managed)]
    public async Task Flush_MidStream_LeavesOneFrameOfEverything(string encoder)
    {
        byte[] data = Compressible(500_000);
        using var output = new MemoryStream();

        await using (Stream zstd = EncoderFor(encoder).Create(output, level: 3, workers: 1, sizeHint: 0))
        {
            zstd.Write(data.AsSpan(0, 200_000));
            await zstd.FlushAsync(TestContext.Current.CancellationToken);
            long flushed = output.Length;
            zstd.Write(data.AsSpan(200_000));
            zstd.Flush();
            Assert.True(flushed > 0 && output.Length > flushed);
        }

        Assert.Equal(data, Decompress(output.ToArray()));
    }

    [Fact]
    public void Dispose_Twice_EndsTheFrameOnceAndLeavesTheOutputOpen()
    {
        using var output = new MemoryStream();
        Stream zstd = ZstdEncoders.Native!.Create(output, level: 3, workers: 1, sizeHint: 0);
        zstd.Write("abc"u8);

        zstd.Dispose();
        long length = output.Length;
        zstd.Dispose();

        Assert.Equal(length, output.Length);
        Assert.True(output.CanWrite);
        Assert.Equal("abc"u8.ToArray(), Decompress(output.ToArray()));
        Assert.Throws<ObjectDisposedException>(() => zstd.Write("d"u8));
    }

    [Fact]
    public void Default_WithTheSystemLibrary_IsLibZstdWithWorkerThreads()
    {
        LibZstdEncoder? native = ZstdEncoders.Native;

        Assert.True(native is not null, ZstdEncoders.NativeProblem);
        Assert.Same(native, ZstdEncoders.Default);
        Assert.True(native.Multithreaded);
        Assert.Matches(@"^libzstd 1\.\d+\.\d+$", ZstdEncoders.Describe());
    }

    internal static IZstdEncoder EncoderFor(string name) => name switch
    {
        LibZstd => ZstdEncoders.Native ?? throw new InvalidOperationException($"libzstd is needed for this test: {ZstdEncoders.NativeProblem}"),
        Managed => ZstdEncoders.Managed,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Text-like bytes (zstd shrinks them) that are not one repeated block.</summary>
    internal static byte[] Compressible(int size)
    {
        var random = new Random(size);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++)
        {
            data[i] = (byte)('a' + random.Next(8));
        }

        return data;
    }

    internal static byte[] Decompress(byte[] compressed)
    {
        using var input = new DecompressionStream(new MemoryStream(compressed));
        using var result = new MemoryStream();
        input.CopyTo(result);
        return result.ToArray();
    }
}
