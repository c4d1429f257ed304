using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Tests.Config;

/// <summary>Whatever goes wrong, no message quotes key or token material.</summary>
public sealed class ConfigLoaderSecretTests : IDisposable
{
    private const string FileCache = "[caches.s]\ntype = \"file\"\npath = \"/srv/c\"\n";
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw";

    private readonly ConfigSandbox _sandbox = new();
    private readonly string _secretText;
    private readonly string _secretBase64;

    public ConfigLoaderSecretTests()
    {
        (NixSecretKey key, string text) = NixSecretKey.Generate("test-1");
        key.Dispose();
        _secretText = text;
        _secretBase64 = text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..];
    }

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("key pasted as signing-key-file")]
    [InlineData("key pasted as token-file")]
    [InlineData("key pasted unquoted")]
    [InlineData("key pasted twice")]
    [InlineData("key file with mismatched halves")]
    [InlineData("key file with an invalid name")]
    [InlineData("key file with trailing junk")]
    [InlineData("attic config with a token and a syntax error")]
    [InlineData("token pasted unquoted as token-file")]
    [InlineData("token pasted after the token-file path")]
    [InlineData("token pasted on a line of its own")]
    public void Load_SecretInTheWrongPlace_IsNeverQuoted(string scenario)
    {
        string keyFile = Path.Combine(_sandbox.Root, "k.sec");
        string toml = scenario switch
        {
            "key pasted as signing-key-file" => FileCache + $"signing-key-file = \"{_secretText}\"\n",
            "key pasted as token-file" => $"[caches.a]\ntype = \"attic\"\nendpoint = \"https://a/\"\ncache = \"c\"\ntoken-file = \"{_secretText}\"\n",
            "key pasted unquoted" => FileCache + $"signing-key-file = {_secretText}\n",
            "key pasted twice" => FileCache + $"signing-key-file = \"{_secretText}\"\nsigning-key-file = \"{_secretText}\"\n",
            "attic config with a token and a syntax error" => "[caches.h]\ntype = \"attic\"\nserver = \"home\"\ncache = \"c\"\n",
            "token pasted unquoted as token-file" => $"[caches.a]\ntype = \"attic\"\nendpoint = \"https://a/\"\ncache = \"c\"\ntoken-file = {Token}\n",
            "token pasted after the token-file path" => $"[caches.a]\ntype = \"attic\"\nendpoint = \"https://a/\"\ncache = \"c\"\ntoken-file = \"/run/t\" {Token}\n",
            "token pasted on a line of its own" => $"[caches.a]\ntype = \"attic\"\n{Token} {Token}\n",
            _ => FileCache + $"signing-key-file = \"{keyFile}\"\n",
        };
        switch (scenario)
        {
            case "key file with mismatched halves":
                (NixSecretKey other, string otherText) = NixSecretKey.Generate("test-1");
                other.Dispose();
                byte[] mine = Convert.FromBase64String(_secretBase64);
                byte[] theirs = Convert.FromBase64String(otherText[(otherText.IndexOf(':', StringComparison.Ordinal) + 1)..]);
                _sandbox.Write(keyFile, "test-1:" + Convert.ToBase64String([.. mine[..32], .. theirs[32..]]));
                break;
            case "key file with an invalid name":
                _sandbox.Write(keyFile, "bad name:" + _secretBase64);
                break;
            case "key file with trailing junk":
                _sandbox.Write(keyFile, _secretText + " # my key\n");
                break;
            case "attic config with a token and a syntax error":
                _sandbox.Write("home/.config/attic/config.toml", $"[servers.home]\nendpoint = \"https://a/\"\ntoken = \"{Token}\"\nbroken = \"{Token}\n");
                break;
        }

        var ex = Assert.Throws<ConfigException>(() => _sandbox.LoadToml(toml));

        Assert.DoesNotContain(_secretBase64[..16], ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_secretBase64[^16..], ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token[..16], ex.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_sandbox.Root, "config.toml") + ":", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SecretKeyPastedAsPath_SaysWhatIsWrong()
    {
        var ex = Assert.Throws<ConfigException>(() => _sandbox.LoadToml(FileCache + $"signing-key-file = \"{_secretText}\"\n"));

        Assert.Equal(
            $"{Path.Combine(_sandbox.Root, "config.toml")}:4:20: 'caches.s.signing-key-file' must be the path of a file holding the secret, not the secret itself (the value is not shown)",
            ex.Message);
    }
}
