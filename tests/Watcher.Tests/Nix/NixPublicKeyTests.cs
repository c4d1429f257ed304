using Watcher.Nix;

namespace Watcher.Tests.Nix;

public sealed class NixPublicKeyTests
{
    private const string CurlFingerprint = "1;/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin;sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0;196040;/nix/store/0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0,/nix/store/6w8g7njm4mck5dmjxws0z1xnrxvl81xa-glibc-2.34-115,/nix/store/j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12,/nix/store/yxvjs9drzsphm9pcf42a4byzj1kb9m7k-openssl-1.1.1n";
    private const string CacheKey = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";
    private const string CacheSig = "cache.nixos.org-1:TsTTb3WGTZKphvYdBHXwo6weVILmTytUjLB+vcX89fOjjRicCHmKA4RCPMVLkj6TMJ4GMX3HPVWRdD1hkeKZBQ==";

    [Fact]
    public void Verify_CacheNixosOrgSignature_Succeeds()
    {
        Assert.True(NixPublicKey.Parse(CacheKey).Verify(CurlFingerprint, CacheSig));
    }

    [Fact]
    public void Verify_ChangedFingerprint_Fails()
    {
        Assert.False(NixPublicKey.Parse(CacheKey).Verify(CurlFingerprint + "x", CacheSig));
    }

    [Fact]
    public void Verify_SignatureUnderOtherKeyName_Fails()
    {
        string renamed = "cache.nixos.org:" + CacheSig["cache.nixos.org-1:".Length..];

        Assert.False(NixPublicKey.Parse(CacheKey).Verify(CurlFingerprint, renamed));
    }

    [Theory]
    [InlineData("cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY")]
    [InlineData("cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjYAAA==")]
    [InlineData("6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=")]
    public void Parse_Malformed_Throws(string text)
    {
        Assert.Throws<FormatException>(() => NixPublicKey.Parse(text));
    }
}
