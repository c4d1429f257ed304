using System.Security.Cryptography;
using Watcher.Nar;

namespace Watcher.Tests.Nar;

public sealed class HashingWriteStreamTests
{
    [Fact]
    public async Task WriteAsync_WithInnerStream_ForwardsCountsAndHashes()
    {
        byte[] data = new byte[10_000];
        new Random(7).NextBytes(data);
        using var inner = new MemoryStream();
        using var stream = new HashingWriteStream(inner, leaveOpen: true);

        await stream.WriteAsync(data.AsMemory(0, 3), TestContext.Current.CancellationToken);
        stream.Write(data, 3, 997);
        stream.WriteByte(data[1000]);
        await stream.WriteAsync(data.AsMemory(1001), TestContext.Current.CancellationToken);

        Assert.Equal(data, inner.ToArray());
        Assert.Equal(data.Length, stream.BytesWritten);
        Assert.Equal(SHA256.HashData(data), stream.GetCurrentHash());
    }

    [Fact]
    public void Write_WithoutInnerStream_OnlyHashes()
    {
        using var stream = new HashingWriteStream(null);

        stream.Write("abc"u8);

        Assert.Equal(3, stream.BytesWritten);
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(stream.GetCurrentHash()));
    }

    [Fact]
    public void Dispose_LeaveOpenFalse_DisposesInner()
    {
        var inner = new MemoryStream();

        new HashingWriteStream(inner).Dispose();

        Assert.False(inner.CanWrite);
    }
}
