namespace Watcher.Caches.Attic;

/// <summary>Logging of <see cref="AtticClient"/> (event ids 1400–1419). No message ever carries the token.</summary>
internal sealed partial class AtticClient
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1400, EventName = "AtticTokenExpiresSoon", Level = LogLevel.Warning, Message = "cache {Cache}: the attic token from {TokenSource} expires at {Expiry:u} (in {Days} days); renew it before then")]
        public static partial void TokenExpiresSoon(ILogger logger, string cache, string tokenSource, DateTimeOffset expiry, int days);

        [LoggerMessage(EventId = 1401, EventName = "AtticTokenExpired", Level = LogLevel.Warning, Message = "cache {Cache}: the attic token from {TokenSource} expired at {Expiry:u}; the server will answer 401 (or 403 on a public cache)")]
        public static partial void TokenExpired(ILogger logger, string cache, string tokenSource, DateTimeOffset expiry);

        [LoggerMessage(EventId = 1402, EventName = "AtticApiEndpointDowngradeRefused", Level = LogLevel.Warning, Message = "cache {Cache}: the server asks for API calls at {ApiEndpoint}, a downgrade from https; staying on {Endpoint} (set X-Forwarded-Proto or api-endpoint on the server)")]
        public static partial void ApiEndpointDowngradeRefused(ILogger logger, string cache, Uri apiEndpoint, Uri endpoint);

        [LoggerMessage(EventId = 1403, EventName = "AtticApiEndpointDelegated", Level = LogLevel.Debug, Message = "cache {Cache}: API calls go to {ApiEndpoint}, as the server's cache config says")]
        public static partial void ApiEndpointDelegated(ILogger logger, string cache, Uri apiEndpoint);
    }
}
