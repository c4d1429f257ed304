namespace Watcher.Hosting;

/// <summary>A dead letter: the path, why it failed, how often it was tried and when it was given up.</summary>
internal sealed record DeadLetterStatus(string Path, string Reason, int Attempts, DateTimeOffset FailedAt);
