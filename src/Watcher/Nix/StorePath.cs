using System.Diagnostics.CodeAnalysis;

namespace Watcher.Nix;

/// <summary>
/// A validated store path <c>&lt;storeDir&gt;/&lt;hash32&gt;-&lt;name&gt;</c>. Validation happens before
/// anything is sent to the daemon, which drops the connection on a malformed path.
/// </summary>
internal sealed record StorePath
{
    public const int HashLength = 32;
    public const int MaxNameLength = 211;
    public const string DefaultStoreDir = "/nix/store";

    private StorePath(string storeDir, string baseName)
    {
        StoreDir = storeDir;
        BaseName = baseName;
    }

    /// <summary>The store directory, without a trailing slash.</summary>
    public string StoreDir { get; }

    /// <summary><c>&lt;hash32&gt;-&lt;name&gt;</c>, as used in narinfo References and Deriver.</summary>
    public string BaseName { get; }

    /// <summary>The 32-character nix32 hash part that keys a binary cache.</summary>
    public string HashPart => BaseName[..HashLength];

    public string Name => BaseName[(HashLength + 1)..];

    public string FullPath => StoreDir + "/" + BaseName;

    public bool IsDerivation => BaseName.EndsWith(".drv", StringComparison.Ordinal);

    public override string ToString() => FullPath;

    public static StorePath Parse(string fullPath, string storeDir = DefaultStoreDir)
    {
        if (!TryParse(fullPath, storeDir, out var path, out string? error))
        {
            throw new FormatException(error);
        }

        return path;
    }

    public static bool TryParse(string fullPath, string storeDir, [NotNullWhen(true)] out StorePath? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        string prefix = storeDir.TrimEnd('/') + "/";
        if (!fullPath.StartsWith(prefix, StringComparison.Ordinal))
        {
            error = $"'{fullPath}' is not in the Nix store '{storeDir}'";
            return false;
        }

        return TryFromBaseName(fullPath[prefix.Length..], storeDir, out path, out error);
    }

    public static StorePath FromBaseName(string baseName, string storeDir = DefaultStoreDir)
    {
        if (!TryFromBaseName(baseName, storeDir, out var path, out string? error))
        {
            throw new FormatException(error);
        }

        return path;
    }

    public static bool TryFromBaseName(string baseName, string storeDir, [NotNullWhen(true)] out StorePath? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        error = ValidateBaseName(baseName);
        if (error is not null)
        {
            return false;
        }

        path = new StorePath(storeDir.TrimEnd('/'), baseName);
        return true;
    }

    private static string? ValidateBaseName(string baseName)
    {
        if (baseName.Length < HashLength + 2 || baseName[HashLength] != '-')
        {
            return $"'{baseName}' is not a valid store path name: expected '<32-char hash>-<name>'";
        }

        for (int i = 0; i < HashLength; i++)
        {
            if (!Nix32.IsValidChar(baseName[i]))
            {
                return $"'{baseName}' has an invalid character '{baseName[i]}' in its hash part";
            }
        }

        string name = baseName[(HashLength + 1)..];
        if (name.Length > MaxNameLength)
        {
            return $"'{baseName}' has a name longer than {MaxNameLength} characters";
        }

        if (name is "." or ".." || name.StartsWith(".-", StringComparison.Ordinal) || name.StartsWith("..-", StringComparison.Ordinal))
        {
            return $"'{baseName}' has a forbidden name";
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.' or '_' or '?' or '='))
            {
                return $"'{baseName}' has an invalid character '{c}' in its name";
            }
        }

        return null;
    }
}
