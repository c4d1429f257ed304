using Watcher.Nix;

namespace Watcher.Push;

/// <summary>Told how each path of a <see cref="PushSession"/> ends as soon as it ends: for a live display.</summary>
internal interface IPushObserver
{
    /// <summary>
    /// <paramref name="info"/> ended with <paramref name="outcome"/>. Called once per path, from whichever thread ended it;
    /// a cache's final flush may still turn a pushed path into a failed one (the session's result has the last word).
    /// </summary>
    void Finished(PathInfo info, PathOutcome outcome);
}
