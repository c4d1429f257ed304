using Tomlyn.Parsing;
using Watcher.Config;

namespace Watcher.Tests.Config;

/// <summary>Tomlyn's messages for real broken TOML keep their shape but never a piece of the value.</summary>
public sealed class TomlErrorTextTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw";

    [Theory]
    [InlineData($"token-file = {Token}\n")]
    [InlineData($"token-file = {Token} # pasted\n")]
    [InlineData($"token-file = \"/run/t\" {Token}\n")]
    [InlineData($"token-file = '/run/t' \"{Token}\"\n")]
    [InlineData($"token = +{Token}\n")]
    [InlineData($"token = true{Token}\n")]
    [InlineData($"token = 1979-05-27T07:32:00Z{Token}\n")]
    [InlineData($"x = [{Token}]\n")]
    [InlineData($"x = {{ a = {Token} }}\n")]
    [InlineData($"[a\n{Token}\n")]
    [InlineData($"{Token} secretword\n")]
    [InlineData($"token = \"{Token}\"\ntoken = \"{Token}\"\n")]
    public void WithoutValues_TomlynDiagnosticsOfPastedSecrets_QuoteNoPartOfThem(string toml)
    {
        var messages = Diagnostics(toml);

        Assert.NotEmpty(messages);
        foreach (string message in messages.Select(TomlErrorText.WithoutValues))
        {
            Assert.DoesNotContain(Token[..6], message, StringComparison.Ordinal);
            Assert.DoesNotContain("secretword", message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Unexpected token `eyJhbGciOiJIUzI` for a value", "Unexpected token (not shown) for a value (a string value needs quotes)")]
    [InlineData("Unexpected token found `1` (token: `integer`) while expecting token `newline`", "Unexpected token found (not shown) (token: `integer`) while expecting token `newline`")]
    [InlineData("Expecting `=` after a key instead of ␤", "Expecting `=` after a key instead of ␤")]
    [InlineData("Expecting `=` after a key instead of xyz", "Expecting `=` after a key instead of (not shown)")]
    [InlineData("The key `watch.jobs` is already defined at (2,1) with `jobs = 1` and cannot be redefined", "The key `watch.jobs` is already defined at (2,1) and cannot be redefined")]
    [InlineData("Unexpected token `<eof>` (token: `Eof`). Expecting a closing `]` for an array", "Unexpected token `<eof>` (token: `Eof`). Expecting a closing `]` for an array")]
    public void WithoutValues_Message_KeepsPunctuationTokenKindsAndKeyNames(string message, string expected)
    {
        Assert.Equal(expected, TomlErrorText.WithoutValues(message));
    }

    private static List<string> Diagnostics(string toml) =>
        SyntaxParser.Parse(toml, "config.toml", validate: true).Diagnostics.Select(d => d.Message).ToList();
}
