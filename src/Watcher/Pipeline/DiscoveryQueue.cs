using System.Threading.Channels;
using Watcher.Metrics;

namespace Watcher.Pipeline;

/// <summary>
/// The bounded channel between the detectors (inotify, start-up scan) and the planner.
/// </summary>
/// <remarks>
/// Bounded with <see cref="BoundedChannelFullMode.Wait"/>: a burst waits in the kernel's inotify queue
/// (whose overflow triggers a rescan) instead of growing memory; the planner drains it in batches and
/// journals everything to the state, so the queue itself stays small.
/// </remarks>
internal sealed class DiscoveryQueue
{
    private readonly Channel<Discovery> _channel;
    private readonly WatcherMetrics? _metrics;

    public DiscoveryQueue(WatcherMetrics? metrics = null, int capacity = 8192)
    {
        _metrics = metrics;
        _channel = Channel.CreateBounded<Discovery>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public ChannelReader<Discovery> Reader => _channel.Reader;

    public int Count => _channel.Reader.Count;

    public ValueTask WriteAsync(Discovery discovery, CancellationToken cancellationToken)
    {
        if (!discovery.IsRescan)
        {
            _metrics?.Discovered(discovery.Source switch
            {
                DiscoverySource.Inotify => "inotify",
                DiscoverySource.Scan => "scan",
                _ => throw new ArgumentOutOfRangeException(nameof(discovery), discovery.Source, null),
            });
        }

        return _channel.Writer.WriteAsync(discovery, cancellationToken);
    }

    /// <summary>Stops intake; the planner drains what is queued and then finishes.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
