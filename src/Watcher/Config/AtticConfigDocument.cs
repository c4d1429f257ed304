using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Watcher.Config;

/// <summary>
/// attic's client config (<c>$XDG_CONFIG_HOME/attic/config.toml</c>) read through Tomlyn's syntax tree, as
/// <see cref="ConfigLoader"/> reads Watcher's own: the string keys of its <c>[servers.&lt;name&gt;]</c> tables,
/// tolerating every other key attic may add.
/// </summary>
/// <remarks>
/// The syntax tree needs no reflection, so the native (AOT) build compiles it without trim warnings; Tomlyn's
/// <c>TomlSerializer</c> does not. The text may hold inline tokens, so a syntax error is described by its position
/// only, never by Tomlyn's message (which can quote the line).
/// </remarks>
internal sealed class AtticConfigDocument
{
    private readonly TomlNode? _servers;

    private AtticConfigDocument(TomlNode? servers, ConfigPosition? errorPosition)
    {
        _servers = servers;
        ErrorPosition = errorPosition;
    }

    /// <summary>Where the first TOML error is, or <see langword="null"/> when the text is valid TOML.</summary>
    public ConfigPosition? ErrorPosition { get; }

    /// <summary>The names of the <c>[servers.&lt;name&gt;]</c> tables, in file order.</summary>
    public IEnumerable<string> ServerNames =>
        _servers?.Children.Where(server => server is { IsTable: true, IsTableArray: false }).Select(server => server.Name) ?? [];

    public static AtticConfigDocument Parse(string text)
    {
        DocumentSyntax document = SyntaxParser.Parse(text, "config.toml", validate: true);
        if (document.HasErrors)
        {
            DiagnosticMessage first = document.Diagnostics.First(diagnostic => diagnostic.Kind == DiagnosticMessageKind.Error);
            return new AtticConfigDocument(null, ConfigPosition.From(first.Span));
        }

        TomlNode? servers = TomlNode.FromDocument(document)[ConfigKeys.AtticServers];
        return new AtticConfigDocument(servers is { IsTable: true, IsTableArray: false } ? servers : null, null);
    }

    /// <summary>
    /// The string <paramref name="key"/> of <c>[servers.<paramref name="server"/>]</c>; <see langword="null"/> when
    /// there is no such server or key, or the value is not a string.
    /// </summary>
    public string? GetString(string server, string key) =>
        _servers?[server] is { IsTable: true, IsTableArray: false } table && table[key]?.Value is StringValueSyntax { Value: { } value }
            ? value
            : null;

    /// <summary>Throws when the text was not valid TOML, naming the position only.</summary>
    /// <exception cref="InvalidDataException">The text is not valid TOML.</exception>
    public AtticConfigDocument ThrowIfInvalid() => ErrorPosition is { } position
        ? throw new InvalidDataException($"not valid TOML at line {position.Line}, column {position.Column}")
        : this;
}
