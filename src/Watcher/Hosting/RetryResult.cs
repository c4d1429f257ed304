namespace Watcher.Hosting;

/// <summary>The answer to a retry request.</summary>
internal sealed record RetryResult(int Requeued);
