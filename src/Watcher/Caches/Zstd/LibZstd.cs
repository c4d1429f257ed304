using System.Runtime.InteropServices;

namespace Watcher.Caches.Zstd;

/// <summary>The part of the system's zstd library (<c>libzstd.so.1</c>, zstd.h's stable API) that <see cref="LibZstdStream"/> uses.</summary>
internal static unsafe partial class LibZstd
{
    /// <summary>The soname, present on every Debian (libzstd1) and NixOS (zstd.out) system.</summary>
    public const string Library = "libzstd.so.1";

    /// <summary>1.4.0: <c>ZSTD_compressStream2</c> and <c>ZSTD_CCtx_setParameter</c> became stable.</summary>
    public const uint MinimumVersion = 10400;

    // ZSTD_cParameter values (zstd.h).
    public const int CompressionLevel = 100;
    public const int NbWorkers = 400;
    public const int JobSize = 401;

    /// <summary>ZSTD_c_srcSizeHint, named ZSTD_c_experimentalParam7 outside ZSTD_STATIC_LINKING_ONLY; the shared library accepts it.</summary>
    public const int SrcSizeHint = 1004;

    // ZSTD_EndDirective values.
    public const int Continue = 0;
    public const int Flush = 1;
    public const int End = 2;

    [LibraryImport(Library, EntryPoint = "ZSTD_versionNumber")]
    public static partial uint VersionNumber();

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")]
    public static partial ZstdCompressionContext CreateCCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")]
    public static partial nuint FreeCCtx(nint context);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setParameter")]
    public static partial nuint SetParameter(ZstdCompressionContext context, int parameter, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressStream2")]
    public static partial nuint CompressStream2(ZstdCompressionContext context, OutBuffer* output, InBuffer* input, int endOp);

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    private static partial byte* GetErrorName(nuint code);

    /// <summary>Returns <paramref name="code"/>, or throws when it is a zstd error code.</summary>
    /// <exception cref="IOException">zstd reported an error.</exception>
    public static nuint Check(nuint code, string operation) => IsError(code) == 0
        ? code
        : throw new IOException($"libzstd: {operation} failed: {Marshal.PtrToStringUTF8((nint)GetErrorName(code))}");

    /// <summary>ZSTD_inBuffer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InBuffer
    {
        public byte* Source;
        public nuint Size;
        public nuint Position;
    }

    /// <summary>ZSTD_outBuffer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OutBuffer
    {
        public byte* Destination;
        public nuint Size;
        public nuint Position;
    }
}
