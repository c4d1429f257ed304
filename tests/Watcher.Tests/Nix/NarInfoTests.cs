using Watcher.Nix;

namespace Watcher.Tests.Nix;

public sealed class NarInfoTests
{
    // Written by Nix 2.8 itself: `nix copy --to 'file://…?compression=none&secret-key=<key A>'` (reference §8.5).
    private const string NixWritten =
        "StorePath: /nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-t\n" +
        "URL: nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar\n" +
        "Compression: none\n" +
        "FileHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\n" +
        "FileSize: 120\n" +
        "NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\n" +
        "NarSize: 120\n" +
        "References: \n" +
        "Deriver: hb09lmdvs22v5ianga0vgpi9k446q3kw-t.drv\n" +
        "Sig: test-key-1:trLRN56zR+z9BlJhYZAH4ML+XTU1UVcQKxUUzZE/Xr5bpNG1f5AD6gp6BKLO/+3q/L8qS3nqAmrPxuhJ0ZacCw==\n";

    [Fact]
    public void ToString_SameFieldsAsNix_IsByteIdentical()
    {
        byte[] narHash = Convert.FromHexString("10551daed7fa467d0b58826e7eb9a0f2af7d693de319f2ef775fffcda244b9f6");
        var info = new NarInfo
        {
            StorePath = StorePath.Parse("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-t"),
            Url = "nar/" + NixHash.ToNix32(narHash) + ".nar",
            Compression = "none",
            FileHash = narHash,
            FileSize = 120,
            NarHash = narHash,
            NarSize = 120,
            References = [],
            Deriver = StorePath.FromBaseName("hb09lmdvs22v5ianga0vgpi9k446q3kw-t.drv"),
            Signatures = ["test-key-1:trLRN56zR+z9BlJhYZAH4ML+XTU1UVcQKxUUzZE/Xr5bpNG1f5AD6gp6BKLO/+3q/L8qS3nqAmrPxuhJ0ZacCw=="],
        };

        Assert.Equal(NixWritten, info.ToString());
    }

    [Fact]
    public void Parse_NixWritten_RoundTrips()
    {
        var info = NarInfo.Parse(NixWritten);

        Assert.Equal("2jmiqxxd2z4ypk8am71rc6kffqzgma57", info.StorePath.HashPart);
        Assert.Equal(120, info.NarSize);
        Assert.Empty(info.References);
        Assert.Equal("hb09lmdvs22v5ianga0vgpi9k446q3kw-t.drv", info.Deriver?.BaseName);
        Assert.Equal(NixWritten, info.ToString());
    }

    [Fact]
    public void ToString_ReferencesAndSignatures_AreSortedBaseNames()
    {
        var info = new NarInfo
        {
            StorePath = StorePath.Parse("/nix/store/0mcghw47b2x6fw3i4qqdyhv7kfl5jhk6-acc-2"),
            Url = "nar/x.nar.zst",
            Compression = "zstd",
            NarHash = new byte[32],
            NarSize = 5000,
            References = [StorePath.Parse("/nix/store/fvrjl6vcrashjv0bmvzp9lypni3dhd2r-acc-0"), StorePath.Parse("/nix/store/ffbcz0wwrvk2rhynig054ailq1pprphr-acc-1")],
            Signatures = ["test-key-1:b", "acc-test-1:a"],
        };

        string text = info.ToString();

        Assert.Contains("References: ffbcz0wwrvk2rhynig054ailq1pprphr-acc-1 fvrjl6vcrashjv0bmvzp9lypni3dhd2r-acc-0\n", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("Sig: acc-test-1:a", StringComparison.Ordinal) < text.IndexOf("Sig: test-key-1:b", StringComparison.Ordinal));
        Assert.DoesNotContain("Deriver", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("StorePath: /nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-t\nNarSize: 120\n")]
    [InlineData("StorePath: /nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-t\nURL: nar/a.nar\nNarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\nNarSize: 120")]
    [InlineData("garbage\n")]
    public void Parse_Corrupt_Throws(string text)
    {
        Assert.Throws<FormatException>(() => NarInfo.Parse(text));
    }

    [Fact]
    public void SignedWith_KeepsOtherSignaturesAndReplacesItsOwn()
    {
        using var key = NixSecretKey.Parse("test-key-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==");
        var unsigned = NarInfo.Parse(NixWritten) with { Signatures = ["upstream-1:abc", "test-key-1:stale"] };

        var signed = unsigned.SignedWith(key);

        Assert.Equal(["upstream-1:abc", "test-key-1:trLRN56zR+z9BlJhYZAH4ML+XTU1UVcQKxUUzZE/Xr5bpNG1f5AD6gp6BKLO/+3q/L8qS3nqAmrPxuhJ0ZacCw=="], signed.Signatures);
    }

    [Theory]
    [InlineData("zstd", ".zst")]
    [InlineData("xz", ".xz")]
    [InlineData("none", "")]
    [InlineData("br", ".br")]
    public void NarExtension_KnownCompression_MatchesNix(string compression, string extension)
    {
        Assert.Equal(extension, NarInfo.NarExtension(compression));
    }
}
