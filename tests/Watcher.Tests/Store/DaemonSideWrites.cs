using Watcher.Nix;
using Watcher.Store;

namespace Watcher.Tests.Store;

/// <summary>
/// What only a daemon writes (the watcher reads these and never sends them): the fake daemon's replies and the
/// re-encoding half of the upstream vector round trips.
/// </summary>
internal static class DaemonSideWrites
{
    /// <summary>Writes an optional store path; none is the empty string.</summary>
    public static void WriteOptionalStorePath(this WireWriter writer, StorePath? path) => writer.WriteString(path?.FullPath ?? string.Empty);

    /// <summary>Writes the optional trusted flag: null as 0, true as 1, false as 2.</summary>
    public static void WriteOptionalTrustedFlag(this WireWriter writer, bool? trusted) =>
        writer.WriteUInt64(trusted switch { null => 0UL, true => 1UL, false => 2UL });

    public static void WriteValidPathInfo(this WireWriter writer, PathInfo info, int version)
    {
        writer.WriteStorePath(info.Path);
        writer.WriteUnkeyedValidPathInfo(info, version);
    }

    /// <summary>Writes the path info without its path; the ≥ 1.16 fields only when <paramref name="version"/> has them.</summary>
    public static void WriteUnkeyedValidPathInfo(this WireWriter writer, PathInfo info, int version)
    {
        writer.WriteOptionalStorePath(info.Deriver);
        writer.WriteString(Convert.ToHexStringLower(info.NarHash));
        writer.WriteStorePaths(info.References);
        writer.WriteUInt64((ulong)info.RegistrationTime);
        writer.WriteUInt64((ulong)info.NarSize);
        if (version >= WorkerProtocol.Version(1, 16))
        {
            writer.WriteBool(info.Ultimate);
            writer.WriteStrings(info.Signatures);
            writer.WriteString(info.ContentAddress ?? string.Empty);
        }
    }
}
