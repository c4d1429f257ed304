namespace Watcher.Store;

/// <summary>
/// Constants of the nix-daemon worker protocol: magic numbers, the versions we speak, stderr tags and
/// the limits we enforce on untrusted lengths.
/// </summary>
/// <remarks>
/// Versions are <c>major &lt;&lt; 8 | minor</c>. We speak 1.21 (Nix 2.1) up to 1.38 (Nix 2.24+); the
/// offered version is <c>min(1.38, daemon)</c> because Lix 2.94+ drops clients that offer less than 1.35.
/// </remarks>
internal static class WorkerProtocol
{
    public const ulong Magic1 = 0x6e697863;
    public const ulong Magic2 = 0x6478696f;

    public const ulong StderrNext = 0x6f6c6d67;
    public const ulong StderrRead = 0x64617461;
    public const ulong StderrWrite = 0x64617416;
    public const ulong StderrLast = 0x616c7473;
    public const ulong StderrError = 0x63787470;
    public const ulong StderrStartActivity = 0x53545254;
    public const ulong StderrStopActivity = 0x53544f50;
    public const ulong StderrResult = 0x52534c54;

    /// <summary>The newest version we implement (1.38).</summary>
    public const int LatestVersion = 0x126;

    /// <summary>The oldest daemon we accept (1.21, Nix 2.1).</summary>
    public const int MinimumVersion = 0x115;

    /// <summary>The largest string or byte array we accept from the daemon.</summary>
    public const int MaxStringLength = 64 * 1024 * 1024;

    /// <summary>The largest list or set count we accept from the daemon.</summary>
    public const int MaxListCount = 10_000_000;

    public static int Version(int major, int minor) => (major << 8) | minor;

    public static int Major(int version) => version >> 8;

    public static int Minor(int version) => version & 0xff;

    public static string Format(int version) => $"{Major(version)}.{Minor(version)}";
}
