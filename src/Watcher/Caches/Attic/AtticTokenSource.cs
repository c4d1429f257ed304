using Watcher.Config;
using Watcher.Core;

namespace Watcher.Caches.Attic;

/// <summary>
/// The bearer token of an Attic cache, re-read whenever its file changes (modification time or size), so a
/// rotated token is picked up without a restart. The token comes from a <c>token-file</c>, or from the inline
/// <c>token</c> of a server in attic's own <c>config.toml</c>. It never appears in a log or message.
/// </summary>
internal sealed class AtticTokenSource
{
    private readonly string? _file;
    private readonly Func<string, string?> _extract;
    private readonly Lock _lock = new();
    private (DateTime WriteTime, long Length)? _stamp;
    private string? _token;

    private AtticTokenSource(string? file, Func<string, string?> extract)
    {
        _file = file;
        _extract = extract;
    }

    /// <summary>No token: requests go unauthenticated.</summary>
    public static AtticTokenSource None { get; } = new(null, _ => null);

    /// <summary>The file the token is read from (a token file, or attic's config); null for no token.</summary>
    public string? SourceFile => _file;

    /// <summary>What the token is read from, for messages (a file name, never its contents).</summary>
    public string Description => _file is null ? "no token" : $"'{_file}'";

    /// <summary>A token file: its whole contents, trimmed (as attic reads <c>token-file</c>); an empty one is an error, not "no token".</summary>
    public static AtticTokenSource FromFile(string file) => new(file, text => text.Trim() is { Length: > 0 } token
        ? token
        : throw new CacheUploadException($"the attic token file '{file}' is empty; put the token in it, or remove token-file to push without one", FailureReason.Unauthorized));

    /// <summary>The inline <c>token</c> of <c>[servers.<paramref name="server"/>]</c> in attic's config file.</summary>
    public static AtticTokenSource FromAtticConfig(string configFile, string server) => new(configFile, text =>
        AtticConfigDocument.Parse(text).ThrowIfInvalid().GetString(server, ConfigKeys.AtticToken) is { } value
            ? NullIfEmpty(value.Trim())
            : null);

    /// <summary>Whether attic's config holds an inline <c>token</c> for <paramref name="server"/>.</summary>
    public static bool HasInlineToken(string configFile, string server) =>
        FromAtticConfig(configFile, server).GetToken(out _) is not null;

    /// <summary>The current token, re-reading the file when it changed.</summary>
    /// <param name="reloaded">True when the file was (re)read by this call.</param>
    /// <exception cref="CacheUploadException">The file cannot be read (Unauthorized: nothing to authenticate with).</exception>
    public string? GetToken(out bool reloaded)
    {
        reloaded = false;
        if (_file is null)
        {
            return null;
        }

        lock (_lock)
        {
            try
            {
                var info = new FileInfo(_file);
                var stamp = (info.LastWriteTimeUtc, info.Length);
                if (_stamp != stamp)
                {
                    _token = _extract(File.ReadAllText(_file));
                    _stamp = stamp;
                    reloaded = true;
                }

                return _token;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                // The message names the file and the failure type or TOML error position only: never the file's text.
                string why = ex is InvalidDataException ? ex.Message : ex.GetType().Name;
                throw new CacheUploadException($"cannot read the attic token from {Description} ({why})", FailureReason.Unauthorized);
            }
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
