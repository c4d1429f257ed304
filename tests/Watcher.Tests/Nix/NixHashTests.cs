using Watcher.Nix;

namespace Watcher.Tests.Nix;

public sealed class NixHashTests
{
    private const string Hex = "10551daed7fa467d0b58826e7eb9a0f2af7d693de319f2ef775fffcda244b9f6";

    [Theory]
    [InlineData(Hex)]
    [InlineData("sha256:" + Hex)]
    [InlineData("sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h")]
    [InlineData("1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h")]
    [InlineData("sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=")]
    [InlineData("sha256:EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=")]
    public void ParseSha256_EveryNixForm_GivesSameBytes(string text)
    {
        Assert.Equal(Convert.FromHexString(Hex), NixHash.ParseSha256(text));
    }

    [Fact]
    public void Render_EachForm_MatchesReference()
    {
        byte[] hash = Convert.FromHexString(Hex);

        Assert.Equal("sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", NixHash.ToPrefixedNix32(hash));
        Assert.Equal("sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=", NixHash.ToSri(hash));
        Assert.Equal("sha256:" + Hex, NixHash.ToPrefixedHex(hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256:xyz")]
    [InlineData("md5:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h")]
    [InlineData("sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8e")]
    public void ParseSha256_Invalid_Throws(string text)
    {
        Assert.Throws<FormatException>(() => NixHash.ParseSha256(text));
    }
}
