using System.Threading.Channels;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Upload;
using Watcher.Upload.Resilience;

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

    /// <summary>
    /// The planner's dedupe: one attempt, no retries (a cache that does not answer at once gets everything
    /// journaled, and its scheduler asks again when it is back).
    /// </summary>
    public Task<IReadOnlySet<StorePath>> FindMissingOnceAsync(IReadOnlyCollection<StorePath> paths, CancellationToken cancellationToken) =>
        cache is ResilientCache resilient ? resilient.FindMissingOnceAsync(paths, cancellationToken) : cache.FindMissingAsync(paths, cancellationToken);

    /// <summary>Tells the scheduler that new pending work was journaled.</summary>
    public void Wake() => _wake.Writer.TryWrite(0);

    /// <summary>Waits until woken or <paramref name="timeout"/> passes; returns false once cancelled.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, timeProvider);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _wake.Reader.WaitToReadAsync(cts.Token);
            _wake.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timeout: look at the state again anyway.
        }
    }
}
