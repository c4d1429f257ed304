using System.Runtime.InteropServices;
using Watcher.Core;

namespace Watcher.State;

/// <summary>
/// Makes the state directory Watcher's own before anything in it is used: a new one is created owner-only (0700),
/// an existing one is tightened to 0700 and its database files to 0600, and one that belongs to another user is
/// refused with a <see cref="StateAccessException"/> that says whose it is.
/// </summary>
/// <remarks>
/// The state lists the store paths being pushed and holds the control socket and staged NARs. A directory made with a
/// plain <c>mkdir -p</c> is 0755, and SQLite creates its files 0644 (less the umask): readable by every local user.
/// Root may open anyone's state (to look at it with <c>status</c>) and changes no permissions there.
/// </remarks>
internal static unsafe partial class StateDirectory
{
    /// <summary>The database and SQLite's write-ahead log and shared-memory index beside it.</summary>
    public static readonly IReadOnlyList<string> DatabaseFiles = ["state.db", "state.db-wal", "state.db-shm"];

    private const UnixFileMode GroupAndOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>STATX_UID, and where <c>stx_uid</c> sits in the (architecture-independent) statx buffer.</summary>
    private const uint StatxUid = 0x8;
    private const int StatxUidOffset = 20;

    /// <summary>Prepares <paramref name="path"/> for this process's user.</summary>
    /// <returns>What was tightened, one "path: mode → mode" line each, for the log.</returns>
    /// <exception cref="StateAccessException">The directory or a database file belongs to another user.</exception>
    public static IReadOnlyList<string> Prepare(string path) => Prepare(path, GetEffectiveUserId());

    /// <summary>Prepares <paramref name="path"/> as the user <paramref name="userId"/> (tests pass another than their own).</summary>
    internal static IReadOnlyList<string> Prepare(string path, uint userId)
    {
        try
        {
            Directory.CreateDirectory(path, OwnerOnly);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StateAccessException($"cannot create the state directory {path}: {ex.Message}", ex);
        }

        var changes = new List<string>();
        if (!IsOwnedBy(path, userId, out uint owner))
        {
            return userId == 0 ? changes : throw Refuse(path, "the state directory", owner, userId);
        }

        Tighten(path, userId, "the state directory", changes);
        foreach (string name in DatabaseFiles)
        {
            string file = Path.Combine(path, name);
            if (File.Exists(file))
            {
                Tighten(file, userId, "the state file", changes);
            }
        }

        return changes;
    }

    /// <summary>Clears the group and other bits of <paramref name="path"/>, which must belong to <paramref name="userId"/>.</summary>
    private static void Tighten(string path, uint userId, string what, List<string> changes)
    {
        if (!IsOwnedBy(path, userId, out uint owner))
        {
            throw Refuse(path, what, owner, userId);
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupAndOthers) == 0)
        {
            return;
        }

        var tightened = mode & ~GroupAndOthers;
        try
        {
            File.SetUnixFileMode(path, tightened);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StateAccessException($"cannot make {what} {path} private to its owner: {ex.Message}", ex);
        }

        changes.Add($"{path}: {Octal(mode)} → {Octal(tightened)}");
    }

    private static StateAccessException Refuse(string path, string what, uint owner, uint userId) => new(
        $"{what} {path} belongs to {Describe(owner)}, not to {Describe(userId)} who runs this command; " +
        $"run nix-watcher as {NameOf(owner) ?? "its owner"}, or set state-dir to a directory of your own");

    private static bool IsOwnedBy(string path, uint userId, out uint owner)
    {
        byte[] name = LibC.ToNullTerminated(path);
        byte* buffer = stackalloc byte[LibC.StatxBufferSize];
        fixed (byte* pathPointer = name)
        {
            if (LibC.Statx(LibC.AtFdCwd, pathPointer, 0, StatxUid, buffer) != 0)
            {
                throw new StateAccessException($"cannot inspect {path}: {LibC.Error("statx", path).Message}");
            }
        }

        owner = *(uint*)(buffer + StatxUidOffset);
        return owner == userId;
    }

    private static string Describe(uint userId) =>
        NameOf(userId) is { } name ? $"user {name} (uid {userId})" : $"uid {userId}";

    private static string? NameOf(uint userId)
    {
        nint entry = GetPasswordEntry(userId);

        // pw_name is the first member of struct passwd on every libc.
        return entry == 0 ? null : Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry));
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getpwuid")]
    private static partial nint GetPasswordEntry(uint userId);
}
