using Watcher.Nix;

namespace Watcher.Tests.Nix;

public sealed class NixSecretKeyTests
{
    private const string KeyA = "test-key-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==";
    private const string FingerprintA = "1;/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-t;sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h;120;";
    private const string CurlFingerprint = "1;/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin;sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0;196040;/nix/store/0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0,/nix/store/6w8g7njm4mck5dmjxws0z1xnrxvl81xa-glibc-2.34-115,/nix/store/j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12,/nix/store/yxvjs9drzsphm9pcf42a4byzj1kb9m7k-openssl-1.1.1n";

    [Fact]
    public void Sign_ReferenceKey_ReproducesNixSignature()
    {
        using var key = NixSecretKey.Parse(KeyA + "\n");

        Assert.Equal("test-key-1:trLRN56zR+z9BlJhYZAH4ML+XTU1UVcQKxUUzZE/Xr5bpNG1f5AD6gp6BKLO/+3q/L8qS3nqAmrPxuhJ0ZacCw==", key.Sign(FingerprintA));
        Assert.Equal("test-key-1:A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=", key.PublicKey.ToString());
    }

    [Fact]
    public void Sign_FingerprintWithReferences_ReproducesNixSignature()
    {
        using var key = NixSecretKey.Parse(KeyA);
        var path = StorePath.Parse("/nix/store/0mcghw47b2x6fw3i4qqdyhv7kfl5jhk6-acc-2");
        string fingerprint = NixFingerprint.Compute(
            path,
            NixHash.ParseSha256("sha256:04c38yk60fmnwkp1xiqdwa2rv4i52y67ycim0sk3f8ssh9pqlaiw"),
            5000,
            [StorePath.Parse("/nix/store/fvrjl6vcrashjv0bmvzp9lypni3dhd2r-acc-0"), StorePath.Parse("/nix/store/ffbcz0wwrvk2rhynig054ailq1pprphr-acc-1")]);

        Assert.Equal("1;/nix/store/0mcghw47b2x6fw3i4qqdyhv7kfl5jhk6-acc-2;sha256:04c38yk60fmnwkp1xiqdwa2rv4i52y67ycim0sk3f8ssh9pqlaiw;5000;/nix/store/ffbcz0wwrvk2rhynig054ailq1pprphr-acc-1,/nix/store/fvrjl6vcrashjv0bmvzp9lypni3dhd2r-acc-0", fingerprint);
        Assert.Equal("test-key-1:oP11cC176O7eyovbmlS81DT8fUNWY6Iuj4MFdjFoNmpoep6lWTt7HTtLjQgaHUObWlzeaKjNtUcqUQZV5XkyCQ==", key.Sign(fingerprint));
    }

    [Fact]
    public void Sign_Test1Key_MatchesReferenceAndVerifies()
    {
        using var key = NixSecretKey.Parse("test1:jbX9NxZp8WB/coK8k7yLf0gNYmBbIbCrOFwgJgI7OV+0sASf4R5oFQlioSlN3bJ56uvshzr7S9Z75pcv+9hSkQ==");

        string sig = key.Sign(CurlFingerprint);

        Assert.Equal("test1:519iiVLx/c4Rdt5DNt6Y2Jm6hcWE9+XY69ygiWSZCNGVcmOcyL64uVAJ3cV8vaTusIZdbTnYo9Y7vDNeTmmMBQ==", sig);
        Assert.True(NixPublicKey.Parse("test1:tLAEn+EeaBUJYqEpTd2yeerr7Ic6+0vWe+aXL/vYUpE=").Verify(CurlFingerprint, sig));
    }

    [Fact]
    public void Generate_NewKey_RoundTripsThroughFileText()
    {
        var (key, text) = NixSecretKey.Generate("my-cache-1");
        using (key)
        {
            using var reparsed = NixSecretKey.Parse(text);
            string sig = key.Sign(FingerprintA);

            Assert.Equal(sig, reparsed.Sign(FingerprintA));
            Assert.True(reparsed.PublicKey.Verify(FingerprintA, sig));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-colon")]
    [InlineData(":AAAA")]
    [InlineData("name:")]
    [InlineData("test-key-1:A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=")]
    [InlineData("name with space:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==")]
    [InlineData("test-key-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==")]
    public void Parse_Malformed_ThrowsWithoutLeakingKey(string text)
    {
        var ex = Assert.Throws<FormatException>(() => NixSecretKey.Parse(text));

        Assert.DoesNotContain("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_DoesNotRevealKeyMaterial()
    {
        using var key = NixSecretKey.Parse(KeyA);

        Assert.Equal("NixSecretKey(test-key-1)", key.ToString());
    }
}
