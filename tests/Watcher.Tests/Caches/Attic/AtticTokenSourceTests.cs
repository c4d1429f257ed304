using Watcher.Caches.Attic;
using Watcher.Core;

namespace Watcher.Tests.Caches.Attic;

public sealed class AtticTokenSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("attic-token-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void GetToken_FileRewritten_ReturnsTheNewToken()
    {
        string file = Path.Combine(_dir, "token");
        File.WriteAllText(file, "first-token\n");
        var source = AtticTokenSource.FromFile(file);
        Assert.Equal("first-token", source.GetToken(out bool firstRead));

        File.WriteAllText(file, "second-token-rotated\n");

        Assert.Equal("second-token-rotated", source.GetToken(out bool reloaded));
        Assert.True(firstRead);
        Assert.True(reloaded);
        source.GetToken(out bool again);
        Assert.False(again);
    }

    [Fact]
    public void GetToken_InlineTokenInAtticConfig_IsRead()
    {
        string file = Path.Combine(_dir, "config.toml");
        File.WriteAllText(file, "[servers.home]\nendpoint = \"https://a.example/\"\ntoken = \"inline-token\"\n[servers.other]\nendpoint = \"https://b.example/\"\n");

        Assert.Equal("inline-token", AtticTokenSource.FromAtticConfig(file, "home").GetToken(out _));
        Assert.Null(AtticTokenSource.FromAtticConfig(file, "other").GetToken(out _));
    }

    [Fact]
    public void GetToken_FileGone_IsUnauthorizedWithoutContents()
    {
        var source = AtticTokenSource.FromFile(Path.Combine(_dir, "missing"));

        var ex = Assert.Throws<CacheUploadException>(() => source.GetToken(out _));

        Assert.Equal(FailureReason.Unauthorized, ex.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n")]
    public void GetToken_FileEmptied_IsUnauthorizedNamingTheFile(string text)
    {
        string file = Path.Combine(_dir, "token");
        File.WriteAllText(file, "a-token\n");
        var source = AtticTokenSource.FromFile(file);
        Assert.Equal("a-token", source.GetToken(out _));

        File.WriteAllText(file, text);
        var ex = Assert.Throws<CacheUploadException>(() => source.GetToken(out _));

        Assert.Equal(FailureReason.Unauthorized, ex.Reason);
        Assert.Contains($"the attic token file '{file}' is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetToken_AtticConfigNotToml_IsUnauthorizedWithPositionOnly()
    {
        string file = Path.Combine(_dir, "config.toml");
        File.WriteAllText(file, "[servers.home]\ntoken = \"inline-token\n");

        var ex = Assert.Throws<CacheUploadException>(() => AtticTokenSource.FromAtticConfig(file, "home").GetToken(out _));

        Assert.Equal(FailureReason.Unauthorized, ex.Reason);
        Assert.Contains("not valid TOML at line 2", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("inline-token", ex.Message, StringComparison.Ordinal);
    }
}
