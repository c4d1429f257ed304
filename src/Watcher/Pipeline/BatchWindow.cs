using System.Threading.Channels;

namespace Watcher.Pipeline;

/// <summary>
/// Cuts the discovery stream into the planner's batches: a batch closes when discovery has been quiet
/// for <c>batch-quiet-ms</c>, when it has been open for <c>batch-max-ms</c>, or at <see cref="MaxBatch"/>
/// items.
/// </summary>
/// <remarks>
/// A discovery that arrives after a quiet window is planned at once, with whatever is queued beside it:
/// the window exists to fold a burst into a few daemon and cache round trips, and a lone build (the common
/// case for a watcher) would otherwise wait out the whole window before its push starts. A burst then
/// costs one extra, small batch at its front; everything behind it is batched as before.
/// </remarks>
internal sealed class BatchWindow(ChannelReader<Discovery> reader, TimeSpan quiet, TimeSpan max, TimeProvider timeProvider)
{
    public const int MaxBatch = 10_000;

    private DateTimeOffset _lastRead = DateTimeOffset.MinValue;

    /// <summary>Collects the next batch; empty only when the reader completed with nothing left.</summary>
    public async Task<List<Discovery>> CollectAsync(CancellationToken cancellationToken)
    {
        var batch = new List<Discovery>();
        var opened = timeProvider.GetUtcNow();
        bool afterQuiet = opened - _lastRead >= quiet;
        var deadline = opened + max;
        while (batch.Count < MaxBatch)
        {
            int before = batch.Count;
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            var now = timeProvider.GetUtcNow();
            if (batch.Count > before)
            {
                _lastRead = now;
            }

            var remaining = deadline - now;
            if ((afterQuiet && batch.Count > 0) || remaining <= TimeSpan.Zero || reader.Completion.IsCompleted)
            {
                break;
            }

            if (!await reader.WaitToReadAsync(remaining < quiet ? remaining : quiet, timeProvider, cancellationToken))
            {
                break;
            }
        }

        return batch;
    }
}
