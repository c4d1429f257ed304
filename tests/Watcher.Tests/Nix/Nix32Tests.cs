using Watcher.Nix;

namespace Watcher.Tests.Nix;

public sealed class Nix32Tests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("1f", "0z")]
    [InlineData("8a12321522fd91efbd60ebb2481af88580f61600", "00bgd045z0d4icpbc2yyz4gx48ak44la")]
    [InlineData("b3a24de97a8fdbc835b9833169501030b8977031bcb54b3b3ac13740f846ab30", "0c5b8vw40dy178xlpddw65q9gf1h2186jcc3p4swinwggbllv8mk")]
    [InlineData("d86b3392c1202e8ff5a423b302e6284db7f8f435ea9f39b5b1b20fd3ac36dfcb", "1jyz6snd63xjn6skk7za6psgidsd53k05cr3lksqybi0q6936syq")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73")]
    [InlineData("10c209fa0890fe02c85a8c663ca8e7a37cc766bc5b1b29a0cc61b266f64121d3", "1lr187v6dck1rjh2j6svpikcfz53wyl3qrlcbb405zlh13x0khhh")]
    public void EncodeDecode_ReferenceVectors_RoundTrip(string hex, string nix32)
    {
        byte[] bytes = Convert.FromHexString(hex);

        Assert.Equal(nix32, Nix32.Encode(bytes));
        Assert.Equal(bytes, Nix32.Decode(nix32, bytes.Length));
    }

    [Theory]
    [InlineData("zz", 1)]
    [InlineData("c0", 1)]
    [InlineData("0", 1)]
    [InlineData("0zz", 1)]
    [InlineData("0t", 1)]
    public void TryDecode_InvalidInput_IsRejected(string text, int byteCount)
    {
        Assert.False(Nix32.TryDecode(text, new byte[byteCount]));
    }
}
