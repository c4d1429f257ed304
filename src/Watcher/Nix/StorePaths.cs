using System.Diagnostics.CodeAnalysis;

namespace Watcher.Nix;

/// <summary>Turns what a user types (a store path, a file inside one, or a link like <c>./result</c>) into a store path.</summary>
internal static class StorePaths
{
    public static bool TryResolve(string argument, string storeDir, [NotNullWhen(true)] out StorePath? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        string full = Path.GetFullPath(argument);
        string prefix = storeDir.TrimEnd('/') + "/";

        // Follow links outside the store (./result, profiles) until the target is inside it.
        for (int hops = 0; hops < 40 && !full.StartsWith(prefix, StringComparison.Ordinal); hops++)
        {
            string? target = new FileInfo(full).LinkTarget;
            if (target is null)
            {
                break;
            }

            full = Path.GetFullPath(target, Path.GetDirectoryName(full)!);
        }

        if (!full.StartsWith(prefix, StringComparison.Ordinal))
        {
            error = $"'{argument}' is not in the Nix store {storeDir}";
            return false;
        }

        string baseName = full[prefix.Length..].Split('/')[0];
        return StorePath.TryFromBaseName(baseName, storeDir, out path, out error);
    }
}
