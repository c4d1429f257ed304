using System.Text.RegularExpressions;
using Amazon.Runtime;
using Watcher.Upload.Bandwidth;

namespace Watcher.Upload.S3;

/// <summary>
/// The HTTP clients of an S3 cache's SDK client: the SDK's usual connection settings, with request bodies put through
/// the cache's <see cref="UploadThrottle"/> (<see cref="ThrottlingHandler"/>), NAR objects and their parts waiting for
/// tokens.
/// </summary>
internal sealed partial class S3HttpClientFactory : HttpClientFactory
{
    private readonly UploadThrottle _throttle;

    public S3HttpClientFactory(UploadThrottle throttle)
    {
        _throttle = throttle;
    }

    /// <summary>Whether a request goes to a NAR object (<c>nar/HASH.nar</c>, <c>nar/HASH.nar.zst</c>, a part of one).</summary>
    public static bool IsNar(Uri uri) => NarKeyRegex().IsMatch(uri.AbsolutePath);

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = clientConfig.AllowAutoRedirect,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        if (clientConfig.MaxConnectionsPerServer is { } connections)
        {
            sockets.MaxConnectionsPerServer = connections;
        }

        return new HttpClient(new ThrottlingHandler(sockets, _throttle, IsNar))
        {
            Timeout = clientConfig.Timeout ?? TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>One set of clients per SDK client (the throttle is per cache): the SDK keeps and disposes them with it.</summary>
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string? GetConfigUniqueString(IClientConfig clientConfig) => null;

    [GeneratedRegex(@"/nar/[^/]+\.nar(\.[A-Za-z0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NarKeyRegex();
}
