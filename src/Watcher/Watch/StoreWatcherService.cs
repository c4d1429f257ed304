using Watcher.Config;
using Watcher.Core;
using Watcher.Metrics;
using Watcher.Nix;
using Watcher.Pipeline;
using Watcher.Push;

namespace Watcher.Watch;

/// <summary>
/// Watches the store directory and feeds every deleted <c>X.lock</c> to the planner as a possibly new
/// path X (not derivations while <c>skip-derivations</c> is on); a kernel queue overflow becomes a rescan request. The watch is set up in
/// <see cref="StartAsync"/>, so the service reports ready only once nothing can be missed.
/// </summary>
internal sealed partial class StoreWatcherService(
    WatchOptions options,
    DiscoveryQueue queue,
    PipelineHealth health,
    WatcherMetrics metrics,
    IHostApplicationLifetime lifetime,
    ILogger<StoreWatcherService> logger) : IHostedService, IDisposable
{
    private readonly PathFilter _filter = new(options);
    private InotifyReader? _reader;
    private Thread? _thread;
    private StageMonitor? _monitor;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _reader = new InotifyReader(options.StoreDir);
        _monitor = health.Register(PipelineHealth.InotifyStage);
        _monitor.Started();
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "inotify" };
        _thread.Start();

        // Intake stops first, before the other services start draining.
        lifetime.ApplicationStopping.Register(StopIntake);
        Log.Watching(logger, options.StoreDir);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        StopIntake();
        _thread?.Join();
        return Task.CompletedTask;
    }

    public void Dispose() => _reader?.Dispose();

    private void StopIntake()
    {
        _reader?.Stop();

        // Also wakes the reader thread if it waits for room in the queue.
        queue.Complete();
    }

    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                var events = _reader!.Read();
                if (events.Count == 0)
                {
                    return;
                }

                foreach (var e in events)
                {
                    if (e.Kind == StoreEventKind.Overflow)
                    {
                        Log.Overflow(logger);
                        metrics.InotifyOverflow();
                        queue.WriteAsync(Discovery.Rescan(DiscoverySource.Inotify), CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    }
                    else if (StorePath.TryFromBaseName(e.Name!, options.StoreDir, out var path, out _) && !_filter.SkipsDerivation(path))
                    {
                        // A skipped .drv would only be planned to be filtered out, and a build deletes its .drv's lock
                        // a few tens of milliseconds before its outputs' locks: queued, it would open a batch window
                        // that the outputs then wait out. Its input sources have locks (and discoveries) of their own.
                        queue.WriteAsync(new Discovery(path, DiscoverySource.Inotify), CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    }
                }
            }
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // Stopping: intake is closed.
        }
        catch (Exception ex)
        {
            Log.ReaderFailed(logger, ex.Message, ex);
        }
        finally
        {
            _monitor?.Ended();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 400, EventName = "Watching", Level = LogLevel.Information, Message = "watching {StoreDir} for new paths")]
        public static partial void Watching(ILogger logger, string storeDir);

        [LoggerMessage(EventId = 401, EventName = "InotifyOverflow", Level = LogLevel.Warning, Message = "the kernel's inotify queue overflowed; rescanning the store so nothing is missed")]
        public static partial void Overflow(ILogger logger);

        [LoggerMessage(EventId = 402, EventName = "InotifyFailed", Level = LogLevel.Critical, Message = "the store watcher stopped: {Reason}")]
        public static partial void ReaderFailed(ILogger logger, string reason, Exception exception);
    }
}
