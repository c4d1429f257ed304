using System.Runtime.InteropServices;

namespace Watcher.Caches.Zstd;

/// <summary>A <c>ZSTD_CCtx*</c> of libzstd, freed with <c>ZSTD_freeCCtx</c> (which also stops its worker threads).</summary>
internal sealed class ZstdCompressionContext : SafeHandle
{
    public ZstdCompressionContext()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => LibZstd.IsError(LibZstd.FreeCCtx(handle)) == 0;
}
