using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Caches;

/// <summary>Loads the configured signing key, creating the default one on first run.</summary>
internal static class SigningKeys
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Reads and parses a key file; every error names the file and never the key.</summary>
    public static NixSecretKey Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the signing key file: {ex.Message}", ex);
        }

        try
        {
            return NixSecretKey.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new ConfigException($"{path}: not a Nix secret key: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Loads <paramref name="path"/>, or creates a new key there (owner-only permissions) when it does not
    /// exist. <paramref name="created"/> tells the caller to show the user the new public key.
    /// </summary>
    public static NixSecretKey LoadOrCreate(string path, string keyName, out bool created)
    {
        created = false;
        if (File.Exists(path))
        {
            return Load(path);
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }

        var (key, fileText) = NixSecretKey.Generate(keyName);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile };
        try
        {
            using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options);

            // Like `nix key generate-secret`: no trailing newline.
            writer.Write(fileText);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs, so every instance signs with one key.
            key.Dispose();
            return Load(path);
        }

        created = true;
        return key;
    }

    /// <summary>The default key name: <c>&lt;host&gt;-nix-watcher-1</c>, unique enough to tell machines apart.</summary>
    public static string DefaultKeyName()
    {
        string host = new(Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.').ToArray());
        return (host.Length == 0 ? "localhost" : host) + "-nix-watcher-1";
    }
}
