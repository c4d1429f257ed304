using System.Threading.Channels;

namespace Watcher.Pipeline;

internal static class ChannelReaderExtensions
{
    /// <summary>
    /// Waits until an item can be read, the channel completes, or <paramref name="timeout"/> passes on
    /// <paramref name="timeProvider"/> (the injected clock, so tests can move it).
    /// </summary>
    /// <returns>True when an item can be read; false when the timeout passed or the channel completed.</returns>
    public static async Task<bool> WaitToReadAsync<T>(this ChannelReader<T> reader, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await reader.WaitToReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
