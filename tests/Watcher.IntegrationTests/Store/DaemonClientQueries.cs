using Watcher.Nix;
using Watcher.Store;

namespace Watcher.IntegrationTests.Store;

/// <summary>One-path questions for the tests, asked through the batch queries the app uses.</summary>
internal static class DaemonClientQueries
{
    public static async Task<bool> IsValidAsync(this NixDaemonClient client, StorePath path, CancellationToken cancellationToken) =>
        (await client.QueryValidPathsAsync([path], cancellationToken)).Contains(path);

    public static async Task<PathInfo?> PathInfoAsync(this NixDaemonClient client, StorePath path, CancellationToken cancellationToken) =>
        (await client.QueryPathInfosAsync([path], cancellationToken))[0];
}
