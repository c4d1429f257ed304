namespace Watcher.Config;

/// <summary>
/// Reads the <c>servers</c> of attic's client config (<c>$XDG_CONFIG_HOME/attic/config.toml</c>), tolerating
/// every key attic itself may add. The file holds inline tokens, so no problem description ever
/// quotes it: TOML errors are reported by position only.
/// </summary>
internal sealed class AtticClientConfig
{
    private AtticClientConfig(string file, IReadOnlyDictionary<string, AtticServerEntry> servers, string? problem)
    {
        File = file;
        Servers = servers;
        Problem = problem;
    }

    /// <summary>The file that was read.</summary>
    public string File { get; }

    /// <summary>The servers by name; empty when <see cref="Problem"/> is set.</summary>
    public IReadOnlyDictionary<string, AtticServerEntry> Servers { get; }

    /// <summary>Why the file could not be used, or <see langword="null"/>.</summary>
    public string? Problem { get; }

    public static AtticClientConfig Read(string file)
    {
        if (SecretFileChecks.CheckReadableFile(file) is { } unreadable)
        {
            return Fail(file, $"attic's config {unreadable}");
        }

        AtticConfigDocument document;
        try
        {
            document = AtticConfigDocument.Parse(System.IO.File.ReadAllText(file));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(file, $"attic's config '{file}' cannot be read ({ex.GetType().Name})");
        }

        if (document.ErrorPosition is { } position)
        {
            return Fail(file, $"attic's config '{file}' is not valid TOML (line {position.Line}, column {position.Column})");
        }

        var servers = new Dictionary<string, AtticServerEntry>(StringComparer.Ordinal);
        foreach (string server in document.ServerNames)
        {
            servers[server] = new AtticServerEntry(server, document.GetString(server, ConfigKeys.Endpoint), document.GetString(server, ConfigKeys.TokenFile));
        }

        return new AtticClientConfig(file, servers, null);
    }

    private static AtticClientConfig Fail(string file, string problem) =>
        new(file, new Dictionary<string, AtticServerEntry>(), problem);
}
