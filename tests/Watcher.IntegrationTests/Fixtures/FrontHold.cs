using Microsoft.AspNetCore.Http;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// Holds the requests an <see cref="S3Front"/> matches unanswered until the client gives up on them, and says when the
/// first one arrived: a moment in a command's work to send it a signal at, without guessing with a sleep.
/// </summary>
public sealed class FrontHold
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FrontHold()
    {
    }

    /// <summary>Holds every request <paramref name="match"/> takes from now on (and forwards the others).</summary>
    public static FrontHold On(S3Front front, Func<HttpRequest, bool> match)
    {
        var hold = new FrontHold();
        front.Answer = async context =>
        {
            if (!match(context.Request))
            {
                return false;
            }

            hold._arrived.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up on it, or went away.
            }

            return true;
        };
        return hold;
    }

    /// <summary>The first held request arrived.</summary>
    public Task Arrived => _arrived.Task;

    /// <summary>Waits until the first held request arrived; fails with <paramref name="process"/>'s output if it ends first.</summary>
    public Task ArrivedAsync(WatcherDaemon process, CancellationToken cancellationToken) =>
        process.WaitUntilAsync(() => _arrived.Task.IsCompleted, "a held request at the front", cancellationToken);
}
