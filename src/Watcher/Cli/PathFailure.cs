namespace Watcher.Cli;

/// <summary>A path that a one-shot push could not get into a cache.</summary>
/// <param name="Path">The store path.</param>
/// <param name="Reason">Its failure reason as the metrics label it (<c>forbidden</c>, <c>timeout</c>, …), or <c>deferred</c>.</param>
/// <param name="Error">What went wrong, for a person.</param>
internal sealed record PathFailure(string Path, string Reason, string Error);
