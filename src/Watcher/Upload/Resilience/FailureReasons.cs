using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Watcher.Upload.Resilience;

/// <summary>Which failures are worth retrying, and the fixed set of reason labels for metrics.</summary>
internal static class FailureReasons
{
    /// <summary>408/429/5xx, connection errors and timeouts: the same request may succeed later. Other 4xx never.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        CacheUploadException upload => upload.Kind == CacheFailureKind.Transient,
        NarMismatchException or PathVanishedException or BrokenCircuitException => false,
        TimeoutRejectedException or TimeoutException or HttpRequestException or SocketException => true,
        IOException and not FileNotFoundException and not DirectoryNotFoundException => true,
        _ => false,
    };

    /// <summary>A metrics label: timeout, connection, throttled, server_error, unauthorized, forbidden, too_large, rejected, mismatch, vanished, paused or other.</summary>
    public static string Of(Exception exception) => exception switch
    {
        TimeoutRejectedException or TimeoutException => "timeout",
        BrokenCircuitException => "paused",
        NarMismatchException => "mismatch",
        PathVanishedException => "vanished",
        CacheUploadException upload => Of(upload),
        HttpRequestException or SocketException or IOException => "connection",
        _ => "other",
    };

    private static string Of(CacheUploadException exception) => exception.Kind switch
    {
        CacheFailureKind.Unauthorized => "unauthorized",
        CacheFailureKind.Forbidden => "forbidden",
        CacheFailureKind.TooLarge => "too_large",
        CacheFailureKind.Permanent => "rejected",
        CacheFailureKind.Unavailable => "paused",
        _ => exception.StatusCode switch
        {
            null => exception.InnerException is TimeoutException or TimeoutRejectedException ? "timeout" : "connection",
            408 => "timeout",
            429 => "throttled",
            503 when exception.Message.Contains("SlowDown", StringComparison.Ordinal) => "throttled",
            >= 500 => "server_error",
            _ => "other",
        },
    };
}
