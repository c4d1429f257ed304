using Watcher.Nar;

namespace Watcher.Tests.Nar;

public sealed class NarFormatTests
{
    [Theory]
    [InlineData(0, 0, 8)]
    [InlineData(1, 7, 16)]
    [InlineData(7, 1, 16)]
    [InlineData(8, 0, 16)]
    [InlineData(9, 7, 24)]
    [InlineData(255, 1, 264)]
    public void PaddingAndEncodedLength_Lengths_RoundUpToEight(int length, int padding, int encoded)
    {
        Assert.Equal(padding, NarFormat.Padding(length));
        Assert.Equal(encoded, NarFormat.EncodedLength(length));
    }

    [Fact]
    public void Encode_Magic_IsTheTwentyFourMagicBytes() =>
        Assert.Equal("0d000000000000006e69782d617263686976652d31000000", Convert.ToHexStringLower(NarFormat.Magic));

    [Fact]
    public void Encode_EmptyString_IsOnlyALengthWord() =>
        Assert.Equal("0000000000000000" + "0100000000000000" + "2900000000000000", Convert.ToHexStringLower(NarFormat.Encode("", ")")));
}
