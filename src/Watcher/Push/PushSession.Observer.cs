using Watcher.Nix;

namespace Watcher.Push;

/// <content>Telling an <see cref="IPushObserver"/> each path's outcome as it comes.</content>
internal sealed partial class PushSession
{
    /// <summary>Told each path's outcome as soon as it is known; none by default.</summary>
    public IPushObserver? Observer { get; init; }

    /// <summary>Tells <see cref="Observer"/> each outcome once its task ends (at once for the ones already known).</summary>
    private void ObserveEach(IReadOnlyList<PathInfo> paths, Dictionary<StorePath, Task<PathOutcome>> tasks)
    {
        if (Observer is not { } observer)
        {
            return;
        }

        foreach (var info in paths)
        {
            // Synchronous continuations registered before the session awaits its tasks: every path is told before it returns.
            _ = tasks[info.Path].ContinueWith(
                task => observer.Finished(info, task.Result),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
