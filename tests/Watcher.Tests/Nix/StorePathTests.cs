using Watcher.Nix;

namespace Watcher.Tests.Nix;

public sealed class StorePathTests
{
    [Fact]
    public void Parse_ValidPath_SplitsHashAndName()
    {
        var path = StorePath.Parse("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-t");

        Assert.Equal("2jmiqxxd2z4ypk8am71rc6kffqzgma57", path.HashPart);
        Assert.Equal("t", path.Name);
        Assert.Equal("2jmiqxxd2z4ypk8am71rc6kffqzgma57-t", path.BaseName);
        Assert.False(path.IsDerivation);
    }

    [Theory]
    [InlineData("/tmp/2jmiqxxd2z4ypk8am71rc6kffqzgma57-t")]
    [InlineData("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57")]
    [InlineData("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma5-t")]
    [InlineData("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgmae7-t")]
    [InlineData("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-")]
    [InlineData("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-..")]
    [InlineData("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-.-x")]
    [InlineData("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-a b")]
    [InlineData("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-a/b")]
    [InlineData("bogus")]
    public void TryParse_Invalid_IsRejectedWithReason(string text)
    {
        Assert.False(StorePath.TryParse(text, StorePath.DefaultStoreDir, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void TryParse_NameOf212Chars_IsRejected()
    {
        Assert.True(StorePath.TryParse("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-" + new string('a', 211), StorePath.DefaultStoreDir, out _, out _));
        Assert.False(StorePath.TryParse("/nix/store/2jmiqxxd2z4ypk8am71rc6kffqzgma57-" + new string('a', 212), StorePath.DefaultStoreDir, out _, out _));
    }

    [Fact]
    public void Parse_OtherStoreDir_Works()
    {
        var path = StorePath.Parse("/tmp/s/abcd0000000000000000000000000000-x.drv", "/tmp/s/");

        Assert.Equal("/tmp/s", path.StoreDir);
        Assert.True(path.IsDerivation);
    }
}
