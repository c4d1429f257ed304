using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Watcher.Caches.Zstd;

/// <summary>zstd through ZstdSharp.Port, the managed port: the fallback where <c>libzstd.so.1</c> cannot be loaded.</summary>
internal sealed class ZstdSharpEncoder : IZstdEncoder
{
    public string Description => "ZstdSharp (managed port of zstd 1.5)";

    public Stream Create(Stream output, int level, int workers, long sizeHint)
    {
        var zstd = new CompressionStream(output, level, bufferSize: 1 << 20, leaveOpen: true);
        if (workers > 1)
        {
            zstd.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, workers);
            zstd.SetParameter(ZSTD_cParameter.ZSTD_c_jobSize, NarCompression.MultithreadedJobSize);
        }

        if (sizeHint > 0)
        {
            // ZSTD_c_srcSizeHint in zstd.h.
            zstd.SetParameter(ZSTD_cParameter.ZSTD_c_experimentalParam7, (int)Math.Min(sizeHint, int.MaxValue));
        }

        return zstd;
    }
}
