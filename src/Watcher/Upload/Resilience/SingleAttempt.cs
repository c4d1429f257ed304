namespace Watcher.Upload.Resilience;

/// <summary>Sends each request once, with no timeout of its own: for probes (<c>check</c>) and tests.</summary>
internal sealed class SingleAttempt : IRequestPolicy
{
    public static readonly SingleAttempt Instance = new();

    public Task<T> RunAsync<T>(string operation, RequestKind kind, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, long bodyBytes = 0) =>
        action(cancellationToken);
}
