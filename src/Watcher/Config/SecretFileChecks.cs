using Watcher.Nix;

namespace Watcher.Config;

/// <summary>
/// Start-up checks of the files secrets are read from, so that a typo fails at start rather than at the
/// first upload. Each check returns a problem description or <see langword="null"/>; a description
/// names the file but never contains any of its contents.
/// </summary>
internal static class SecretFileChecks
{
    // A Nix secret key file is ~100 bytes; anything much larger is the wrong file.
    private const long MaxSigningKeyFileBytes = 64 * 1024;

    private static readonly System.Buffers.SearchValues<char> Base64Alphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    /// <summary>
    /// Whether a value given where a secret's file name belongs looks like the secret itself, so that it
    /// must never be quoted back: a pasted <c>name:base64</c> Nix key, or a long word without a <c>/</c>
    /// (a JWT or similar token). Only asked about values that name no existing file.
    /// </summary>
    public static bool LooksLikeInlineSecret(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        bool nixKey = colon > 0 && value.Length - colon > 40 && value.AsSpan(colon + 1).TrimEnd('=').IndexOfAnyExcept(Base64Alphabet) < 0;
        bool token = value.Length >= 24 && !value.Contains('/', StringComparison.Ordinal) && !value.Any(char.IsWhiteSpace);
        return nixKey || token;
    }

    /// <summary>Checks that <paramref name="path"/> is an existing, readable regular file.</summary>
    public static string? CheckReadableFile(string path)
    {
        if (Directory.Exists(path))
        {
            return $"'{path}' is a directory, not a file";
        }

        if (!File.Exists(path))
        {
            return $"'{path}' does not exist";
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return $"'{path}' is not readable (permission denied)";
        }
        catch (IOException ex)
        {
            return $"'{path}' cannot be read ({ex.GetType().Name})";
        }
    }

    /// <summary>
    /// Checks that <paramref name="path"/> is a readable token file with a token in it: an empty or blank file would
    /// otherwise mean no token at all, and the server's 401 would not say which file was empty.
    /// </summary>
    public static string? CheckTokenFile(string path)
    {
        if (CheckReadableFile(path) is { } problem)
        {
            return problem;
        }

        try
        {
            return string.IsNullOrWhiteSpace(File.ReadAllText(path))
                ? $"'{path}' is empty; put the token in it (e.g. from 'atticadm make-token'), or remove the setting to push without a token"
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"'{path}' cannot be read ({ex.GetType().Name})";
        }
    }

    /// <summary>A warning when users other than the owner may read the secret in <paramref name="path"/>; null when they may not.</summary>
    public static string? DescribeReadableByOthers(string path)
    {
        UnixFileMode mode;
        try
        {
            mode = File.GetUnixFileMode(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string? who = (mode & UnixFileMode.OtherRead) != 0 ? "every local user"
            : (mode & UnixFileMode.GroupRead) != 0 ? "its group"
            : null;
        return who is null ? null : $"readable by {who} (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); make it private with: chmod 600 '{path}'";
    }

    /// <summary>Checks that <paramref name="path"/> holds a Nix secret key (<c>name:base64</c>).</summary>
    public static string? CheckSigningKey(string path)
    {
        if (CheckReadableFile(path) is { } problem)
        {
            return problem;
        }

        string text;
        try
        {
            if (new FileInfo(path).Length > MaxSigningKeyFileBytes)
            {
                return $"'{path}' is too large to be a Nix secret key file";
            }

            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"'{path}' cannot be read ({ex.GetType().Name})";
        }

        try
        {
            NixSecretKey.Parse(text).Dispose();
            return null;
        }
        catch (FormatException ex)
        {
            return $"'{path}' is not a Nix secret key: {Sanitize(ex.Message, text)}";
        }
    }

    /// <summary>
    /// <see cref="NixSecretKey.Parse"/> promises not to quote key material; this is a second fence in case
    /// that ever changes: a message quoting any part of the key is replaced.
    /// </summary>
    private static string Sanitize(string message, string fileText)
    {
        int colon = fileText.IndexOf(':', StringComparison.Ordinal);
        string material = colon < 0 ? fileText : fileText[(colon + 1)..];
        foreach (string token in material.Split([' ', '\t', '\r', '\n', ':'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.Length >= 8 && message.Contains(token, StringComparison.Ordinal))
            {
                return "expected '<name>:<base64>' as written by 'nix key generate-secret'";
            }
        }

        return message;
    }
}
