namespace Watcher.Caches.Zstd;

/// <summary>Which zstd encoder Watcher uses: the system's libzstd when it loads, else the managed port.</summary>
internal static class ZstdEncoders
{
    private static readonly Lazy<(LibZstdEncoder? Encoder, string? Problem)> LoadedNative = new(LoadNative);

    /// <summary>The managed port (ZstdSharp.Port).</summary>
    public static IZstdEncoder Managed { get; } = new ZstdSharpEncoder();

    /// <summary>libzstd, or <see langword="null"/> when it cannot be used (<see cref="NativeProblem"/> says why).</summary>
    public static LibZstdEncoder? Native => LoadedNative.Value.Encoder;

    /// <summary>Why libzstd cannot be used, or <see langword="null"/>.</summary>
    public static string? NativeProblem => LoadedNative.Value.Problem;

    /// <summary>The encoder NARs are compressed with.</summary>
    public static IZstdEncoder Default => Native ?? Managed;

    /// <summary>The encoder in use and, for the fallback, why: for the log and <c>nix-watcher check -v</c>.</summary>
    public static string Describe() => Native is { } native ? native.Description : $"{Managed.Description}: {NativeProblem}";

    private static (LibZstdEncoder?, string?) LoadNative() => (LibZstdEncoder.TryLoad(out string? problem), problem);
}
