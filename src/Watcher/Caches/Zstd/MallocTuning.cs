using System.Runtime.InteropServices;

namespace Watcher.Caches.Zstd;

/// <summary>
/// glibc malloc settings for a process that compresses with libzstd: each NAR's <c>ZSTD_CCtx</c> allocates a few MB
/// (window, match tables, worker jobs) with <c>malloc</c> on whichever pool thread runs the upload.
/// </summary>
/// <remarks>
/// With glibc's defaults every such thread got its own arena, and the dynamic mmap threshold soon served even
/// multi-MB buffers from those arenas, which keep freed memory: a daemon that had pushed 2,700 paths held twelve
/// arenas of 6–12 MB each, over 100 MB (docs/performance.md). Buffers from 128 KiB up are now mapped and unmapped with
/// their context, and at most two arenas serve the rest. zstd allocates when a context is created, not per block,
/// so neither costs compression speed. On a C library without these settings (musl) the calls do nothing.
/// </remarks>
internal static partial class MallocTuning
{
    /// <summary>Allocations from this size up get their own mapping, returned to the system when freed.</summary>
    public const int MmapThreshold = 128 << 10;

    /// <summary>The most malloc arenas; glibc's default is eight per core.</summary>
    public const int ArenaMax = 2;

    // mallopt parameters (malloc.h).
    private const int MallocMmapThreshold = -3;
    private const int MallocArenaMax = -8;

    /// <summary>Applies the settings; returns whether the C library accepted both.</summary>
    public static bool Apply() => Mallopt(MallocMmapThreshold, MmapThreshold) == 1 & Mallopt(MallocArenaMax, ArenaMax) == 1;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
