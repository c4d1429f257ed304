using System.Text.RegularExpressions;
using Tomlyn.Syntax;

namespace Watcher.Config;

/// <summary>
/// Tomlyn's syntax error messages with every quoted piece of a value taken out, so that a secret pasted into the
/// config without quotes (<c>token-file = eyJhbGci…</c>) is never echoed to a terminal or a journal.
/// </summary>
/// <remarks>
/// Tomlyn quotes the text it stumbled on (<c>Unexpected token `eyJhbGciOiJIUzI` for a value</c>) and, for a key
/// defined twice, the whole earlier line. What stays: punctuation, token kinds (<c>newline</c>, <c>integer</c>) and
/// the name of a key defined twice. The position in the error already says where to look.
/// </remarks>
internal static partial class TomlErrorText
{
    public const string Hidden = "(not shown)";

    private static readonly HashSet<string> TokenKinds =
        new([.. Enum.GetNames<TokenKind>(), "<eof>"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The message without the values it quotes, plus a hint where a value lacks its quotes.</summary>
    public static string WithoutValues(string message)
    {
        string withoutDefinition = QuotedDefinition().Replace(message, string.Empty);
        string text = Quoted().Replace(withoutDefinition, m =>
            Keep(m.Groups["text"].Value) || withoutDefinition.AsSpan(0, m.Index).EndsWith("The key ", StringComparison.Ordinal) ? m.Value : Hidden);
        text = TrailingToken().Replace(text, m => Keep(m.Groups["text"].Value) ? m.Value : "instead of " + Hidden);
        return message.Contains(" for a value", StringComparison.Ordinal)
            ? text + " (a string value needs quotes)"
            : text;
    }

    private static bool Keep(string text) => !text.Any(char.IsLetterOrDigit) || TokenKinds.Contains(text);

    /// <summary>The earlier definition Tomlyn quotes for a key defined twice (the whole line, value included).</summary>
    [GeneratedRegex(" with `[^`]*`", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedDefinition();

    [GeneratedRegex("`(?<text>[^`]*)`", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    /// <summary>"Expecting `=` after a key instead of …": the token, unquoted, ends the message.</summary>
    [GeneratedRegex(@"instead of (?<text>[^`\s]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingToken();
}
