namespace Watcher.Caches;

/// <summary>Helpers over <see cref="IRequestPolicy"/>.</summary>
internal static class RequestPolicyExtensions
{
    /// <summary>Runs an action without a result through <paramref name="policy"/>.</summary>
    public static Task RunAsync(this IRequestPolicy policy, string operation, RequestKind kind, Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        policy.RunAsync(
            operation,
            kind,
            async ct =>
            {
                await action(ct);
                return true;
            },
            cancellationToken);
}
