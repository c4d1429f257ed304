using System.Threading.Channels;
using Watcher.Caches;
using Watcher.Caches.Factory;
using Watcher.Config;

namespace Watcher.Pipeline;

/// <summary>One configured cache in the daemon: its options, its client, what it is doing, and the signal that wakes its scheduler.</summary>
internal sealed class CacheTarget(CacheOptions options, IBinaryCache cache, CacheActivity? activity = null)
{
    // Capacity 1, drop when full: any number of wake-ups while the scheduler is busy collapse into one.
    private readonly Channel<byte> _wake = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public string Name => options.Name;

    public CacheOptions Options => options;

    public IBinaryCache Cache => cache;

    public CacheActivity Activity { get; } = activity ?? new CacheActivity();

    /// <summary>Creates the target of a cache made by <see cref="CacheFactory.CreateMetered"/>, sharing its activity.</summary>
    public static CacheTarget For(CacheOptions options, MeteredCache cache) => new(options, cache, cache.Activity);

    /// <summary>Tells the scheduler that new pending work was journaled.</summary>
    public void Wake() => _wake.Writer.TryWrite(0);

    /// <summary>Waits until woken or <paramref name="timeout"/> passes (then the state is looked at again anyway).</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (await _wake.Reader.WaitToReadAsync(timeout, timeProvider, cancellationToken))
        {
            _wake.Reader.TryRead(out _);
        }
    }
}
