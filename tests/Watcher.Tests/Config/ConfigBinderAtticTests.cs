using Watcher.Config;

namespace Watcher.Tests.Config;

/// <summary>The <c>type = "attic"</c> keys that the broad loader tests leave out: <c>skip-upstream-signed</c>.</summary>
public sealed class ConfigBinderAtticTests : IDisposable
{
    private const string Attic = "[caches.a]\ntype = \"attic\"\nendpoint = \"https://a.example/\"\ncache = \"c\"\n";

    private readonly ConfigSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("", true)]
    [InlineData("skip-upstream-signed = true\n", true)]
    [InlineData("skip-upstream-signed = false\n", false)]
    public void Load_SkipUpstreamSigned_DefaultsToTrue(string line, bool expected)
    {
        WatcherOptions options = _sandbox.LoadToml(Attic + line);

        Assert.Equal(expected, Assert.IsType<AtticCacheOptions>(Assert.Single(options.Caches)).SkipUpstreamSigned);
    }

    [Fact]
    public void Load_SkipUpstreamSignedInAnInlineTable_Binds()
    {
        WatcherOptions options = _sandbox.LoadToml("[caches]\na = { type = \"attic\", endpoint = \"https://a.example/\", cache = \"c\", skip-upstream-signed = false }\n");

        Assert.False(Assert.IsType<AtticCacheOptions>(Assert.Single(options.Caches)).SkipUpstreamSigned);
    }

    [Theory]
    [InlineData(Attic + "skip-upstream-signed = \"no\"\n", 5, 24, "'caches.a.skip-upstream-signed' must be a boolean, not a string")]
    [InlineData(Attic + "skip-upstream-signed = 0\n", 5, 24, "'caches.a.skip-upstream-signed' must be a boolean, not an integer")]
    [InlineData("[caches.s]\ntype = \"file\"\npath = \"/srv/c\"\nskip-upstream-signed = false\n", 4, 1, "key 'caches.s.skip-upstream-signed' does not apply to caches of type file (only to attic caches)")]
    [InlineData(Attic + "skip-upstream = false\n", 5, 1, "unknown key 'caches.a.skip-upstream'")]
    public void Load_BadSkipUpstreamSigned_NamesFileLineColumnAndKey(string toml, int line, int column, string expected)
    {
        string[] lines = _sandbox.LoadErrors(toml);

        string error = Assert.Single(lines, l => l.Contains("skip-upstream", StringComparison.Ordinal));
        Assert.StartsWith($"{Path.Combine(_sandbox.Root, "config.toml")}:{line}:{column}: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyTokenFile_IsAConfigErrorNamingTheFile()
    {
        string token = _sandbox.Write("token", "\n");

        string[] lines = _sandbox.LoadErrors(Attic + $"token-file = \"{token}\"\n");

        string error = Assert.Single(lines, l => l.Contains("token-file", StringComparison.Ordinal));
        Assert.StartsWith($"{Path.Combine(_sandbox.Root, "config.toml")}:5:14: 'caches.a.token-file': '{token}' is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyTokenFileOfTheAtticServer_IsAConfigErrorNamingTheFile()
    {
        string token = _sandbox.Write("token", string.Empty);
        _sandbox.Write("home/.config/attic/config.toml", $"[servers.home]\nendpoint = \"https://a.example/\"\ntoken-file = \"{token}\"\n");

        string[] lines = _sandbox.LoadErrors("[caches.a]\ntype = \"attic\"\nserver = \"home\"\ncache = \"c\"\n");

        Assert.Contains(lines, l => l.Contains($"the token-file of attic server 'home': '{token}' is empty", StringComparison.Ordinal));
    }
}
