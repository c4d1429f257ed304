using System.Runtime.InteropServices;

namespace Watcher.Hosting;

/// <summary>
/// Hands the garbage collector's spare memory back to the system once the daemon goes quiet.
/// </summary>
/// <remarks>
/// The GC keeps the heap it grew while busy (start-up alone reads every valid path of the store, and an upload
/// passes megabytes through buffers) and, with nothing more allocated, never collects again to shrink it: an
/// idle daemon sat at about 120 MB of which 4 MB were live. So every <see cref="Period"/> this looks at how much
/// was allocated: after a quiet period that follows enough allocation (<see cref="Worth"/>), it runs one
/// compacting collection that decommits the free space. That is a few milliseconds for a heap this small,
/// at most once per quiet spell; a busy daemon is never interrupted, and an idle one is not woken for nothing.
/// </remarks>
internal sealed partial class IdleMemoryTrimmer : BackgroundService
{
    /// <summary>How often allocation is sampled; a quiet spell must last this long.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    /// <summary>Allocation within one period that still counts as quiet (metrics scrapes, timers).</summary>
    public const long QuietBytes = 1L << 20;

    /// <summary>Allocation since the last trim below which a trim is not worth it.</summary>
    public const long Worth = 16L << 20;

    private static bool _mallocTrimMissing;

    private readonly TimeProvider _timeProvider;
    private readonly ILogger<IdleMemoryTrimmer> _logger;
    private readonly Func<long> _allocatedBytes;
    private readonly Action _trim;
    private long _lastSample;
    private long _lastTrim;

    public IdleMemoryTrimmer(TimeProvider timeProvider, ILogger<IdleMemoryTrimmer> logger)
        : this(timeProvider, logger, () => GC.GetTotalAllocatedBytes(), Trim)
    {
    }

    internal IdleMemoryTrimmer(TimeProvider timeProvider, ILogger<IdleMemoryTrimmer> logger, Func<long> allocatedBytes, Action trim)
    {
        _timeProvider = timeProvider;
        _logger = logger;
        _allocatedBytes = allocatedBytes;
        _trim = trim;
    }

    /// <summary>Takes one sample; trims when the period was quiet and enough was allocated since the last trim.</summary>
    /// <returns>Whether it trimmed.</returns>
    internal bool Sample()
    {
        long allocated = _allocatedBytes();
        bool quiet = allocated - _lastSample <= QuietBytes;
        _lastSample = allocated;
        if (!quiet || allocated - _lastTrim < Worth)
        {
            return false;
        }

        long before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        _trim();
        // Measured after the trim, so that the trim's own allocations do not count toward the next one.
        _lastTrim = _lastSample = _allocatedBytes();
        long after = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Log.Trimmed(_logger, before >> 20, after >> 20);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, _timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Sample();
        }
    }

    private static void Trim()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        ReleaseNativeHeap();
    }

    /// <summary>
    /// Hands the C heap's free pages back too (glibc keeps what start-up, the JIT and SQLite freed: about 7 MB of an
    /// idle daemon's RSS). Other C libraries have no such call, and their heap stays as it is.
    /// </summary>
    private static void ReleaseNativeHeap()
    {
        if (!_mallocTrimMissing)
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (EntryPointNotFoundException)
            {
                _mallocTrimMissing = true;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    private static partial class Log
    {
        [LoggerMessage(EventId = 512, EventName = "MemoryTrimmed", Level = LogLevel.Debug, Message = "quiet: heap trimmed from {BeforeMb} MB to {AfterMb} MB committed")]
        public static partial void Trimmed(ILogger logger, long beforeMb, long afterMb);
    }
}
