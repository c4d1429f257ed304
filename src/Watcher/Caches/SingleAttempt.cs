namespace Watcher.Caches;

/// <summary>Sends each request once, with no timeout of its own: for tests and callers that bound the time themselves.</summary>
internal sealed class SingleAttempt : IRequestPolicy
{
    public static readonly SingleAttempt Instance = new();

    public Task<T> RunAsync<T>(string operation, RequestKind kind, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        action(cancellationToken);

    public Task<T> RunBodyAsync<T>(string operation, Func<Action, CancellationToken, Task<T>> action, CancellationToken cancellationToken) =>
        action(static () => { }, cancellationToken);
}
