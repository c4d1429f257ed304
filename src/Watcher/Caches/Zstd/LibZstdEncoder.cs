namespace Watcher.Caches.Zstd;

/// <summary>zstd through the system's <c>libzstd.so.1</c>: about half again as fast as the managed port on one thread
/// and more than twice as fast with two workers (docs/performance.md).</summary>
internal sealed class LibZstdEncoder : IZstdEncoder
{
    private LibZstdEncoder(string version, bool multithreaded)
    {
        Version = version;
        Multithreaded = multithreaded;
    }

    /// <summary>The library's version, as <c>1.5.4</c>.</summary>
    public string Version { get; }

    /// <summary>Whether the library was built with worker threads (<c>ZSTD_c_nbWorkers</c>); without them it compresses on the writing thread.</summary>
    public bool Multithreaded { get; }

    public string Description => Multithreaded ? $"libzstd {Version}" : $"libzstd {Version} (built without worker threads)";

    /// <summary>Loads the library, or says why it cannot be used.</summary>
    public static LibZstdEncoder? TryLoad(out string? problem)
    {
        uint version;
        try
        {
            version = LibZstd.VersionNumber();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            problem = $"{LibZstd.Library} cannot be loaded ({ex.GetType().Name})";
            return null;
        }

        string text = $"{version / 10000}.{version / 100 % 100}.{version % 100}";
        if (version < LibZstd.MinimumVersion)
        {
            problem = $"{LibZstd.Library} is zstd {text}, older than 1.4.0";
            return null;
        }

        using ZstdCompressionContext context = LibZstd.CreateCCtx();
        if (context.IsInvalid)
        {
            problem = $"{LibZstd.Library}: ZSTD_createCCtx failed";
            return null;
        }

        // A library built without ZSTD_MULTITHREAD rejects any worker count but 0.
        bool multithreaded = LibZstd.IsError(LibZstd.SetParameter(context, LibZstd.NbWorkers, 1)) == 0;
        MallocTuning.Apply();
        problem = null;
        return new LibZstdEncoder(text, multithreaded);
    }

    public Stream Create(Stream output, int level, int workers, long sizeHint) =>
        new LibZstdStream(output, level, Multithreaded ? workers : 1, sizeHint);
}
