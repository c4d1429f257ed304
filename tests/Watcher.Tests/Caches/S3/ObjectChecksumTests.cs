using System.Text;
using Watcher.Caches.S3;
using Watcher.Core;

namespace Watcher.Tests.Caches.S3;

public sealed class ObjectChecksumTests
{
    private static readonly S3Errors Errors = new("home", "nix-cache", "http://127.0.0.1:9");

    [Fact]
    public void Md5_KnownVector() =>
        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", Convert.ToHexStringLower(ObjectChecksum.Md5(Encoding.ASCII.GetBytes("abc"))));

    [Fact]
    public async Task Md5Async_PartOfAFile_HashesOnlyThatPart()
    {
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "xxabcyy", TestContext.Current.CancellationToken);

            byte[] md5 = await ObjectChecksum.Md5Async(file, 2, 3, TestContext.Current.CancellationToken);

            Assert.Equal(ObjectChecksum.Md5(Encoding.ASCII.GetBytes("abc")), md5);
            await Assert.ThrowsAsync<IOException>(() => ObjectChecksum.Md5Async(file, 5, 10, TestContext.Current.CancellationToken));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("\"900150983cd24fb0d6963f7d28e17f72\"", true)]
    [InlineData("900150983CD24FB0D6963F7D28E17F72", true)]
    [InlineData("\"3858f62230ac3c915f300c664312c11f-2\"", false)]
    [InlineData("opaque", false)]
    [InlineData(null, false)]
    public void IsMd5ETag_OnlyPlainMd5s(string? etag, bool expected) => Assert.Equal(expected, ObjectChecksum.IsMd5ETag(etag));

    [Fact]
    public void ThrowIfDamaged_OtherMd5_IsDamagedAndSaysBoth()
    {
        byte[] sent = ObjectChecksum.Md5(Encoding.ASCII.GetBytes("abc"));

        var error = Assert.Throws<CacheUploadException>(() => ObjectChecksum.ThrowIfDamaged(Errors, "writing nar/x.nar.zst", "\"d41d8cd98f00b204e9800998ecf8427e\"", sent));

        Assert.Equal(FailureReason.Damaged, error.Reason);
        Assert.Contains("its ETag is d41d8cd98f00b204e9800998ecf8427e, the body's MD5 900150983cd24fb0d6963f7d28e17f72", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"900150983cd24fb0d6963f7d28e17f72\"")]
    [InlineData("\"3858f62230ac3c915f300c664312c11f-2\"")]
    public void ThrowIfDamaged_SameMd5OrNotAnMd5_Passes(string etag) =>
        ObjectChecksum.ThrowIfDamaged(Errors, "writing x", etag, ObjectChecksum.Md5(Encoding.ASCII.GetBytes("abc")));
}
