using Watcher.Core;
using Watcher.Store;

namespace Watcher.Tests.Store;

public sealed class WireReaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadString_NonZeroPadding_Throws()
    {
        byte[] bytes = [2, 0, 0, 0, 0, 0, 0, 0, (byte)'h', (byte)'i', 0, 0, 0, 1, 0, 0];

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => WireVectors.Reader(bytes).ReadStringAsync(Ct).AsTask());

        Assert.Contains("non-zero padding", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadString_LengthOverLimit_ThrowsWithoutAllocating()
    {
        byte[] bytes = BitConverter.GetBytes((ulong)WorkerProtocol.MaxStringLength + 1);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => WireVectors.Reader(bytes).ReadStringAsync(Ct).AsTask());

        Assert.Contains($"expected at most {WorkerProtocol.MaxStringLength}, got {WorkerProtocol.MaxStringLength + 1}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadStrings_CountOverLimit_Throws()
    {
        byte[] bytes = BitConverter.GetBytes(ulong.MaxValue);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => WireVectors.Reader(bytes).ReadStringsAsync(Ct).AsTask());

        Assert.Contains("list count too large", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadString_TruncatedBody_SaysExpectedAndActual()
    {
        byte[] bytes = [5, 0, 0, 0, 0, 0, 0, 0, (byte)'a', (byte)'b'];

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => WireVectors.Reader(bytes).ReadStringAsync(Ct).AsTask());

        Assert.Contains("expected 5 bytes, got 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadUInt64_TruncatedWord_Throws()
    {
        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => WireVectors.Reader([1, 2, 3]).ReadUInt64Async(Ct).AsTask());

        Assert.Contains("expected 8 bytes, got 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadStorePath_NotAStorePath_Throws()
    {
        byte[] bytes = await WireVectors.EncodeAsync(w => w.WriteString("/tmp/not-a-store-path"), Ct);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(() => WireVectors.Reader(bytes).ReadStorePathAsync(Ct).AsTask());

        Assert.Contains("/tmp/not-a-store-path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOptionalTrustedFlag_UnknownValue_Throws()
    {
        await Assert.ThrowsAsync<NixProtocolException>(() => WireVectors.Reader(BitConverter.GetBytes(3UL)).ReadOptionalTrustedFlagAsync(Ct).AsTask());
    }

    [Fact]
    public async Task ReadUnkeyedValidPathInfo_NarHashNotHex_Throws()
    {
        byte[] bytes = await WireVectors.EncodeAsync(
            w =>
            {
                w.WriteString(string.Empty);
                w.WriteString("sha256:09ymwqf5i9q7d4dm7x4pjjcqqj0qrcp5lnznbh42gfsci5hcbqqm");
            },
            Ct);

        var ex = await Assert.ThrowsAsync<NixProtocolException>(
            () => WireVectors.Reader(bytes).ReadUnkeyedValidPathInfoAsync(FakeDaemon.MakePath("x"), 0x122, Ct).AsTask());

        Assert.Contains("expected 64 hex characters", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadRaw_AfterBufferedValues_ReturnsBufferedBytesFirst()
    {
        byte[] bytes = [7, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3];
        var reader = WireVectors.Reader(bytes);
        Assert.Equal(7UL, await reader.ReadUInt64Async(Ct));

        byte[] raw = new byte[8];
        int n = await reader.ReadRawAsync(raw, Ct);

        Assert.Equal([1, 2, 3], raw[..n]);
    }
}
