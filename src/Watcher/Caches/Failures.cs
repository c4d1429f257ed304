using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Watcher.Core;

namespace Watcher.Caches;

/// <summary>Classifies exceptions into <see cref="FailureReason"/>s and names them for metrics.</summary>
internal static class Failures
{
    /// <summary>The reason <paramref name="exception"/> failed a request or a path.</summary>
    public static FailureReason Classify(Exception exception) => exception switch
    {
        CacheUploadException upload => upload.Reason,
        NarMismatchException => FailureReason.Mismatch,
        PathVanishedException => FailureReason.Vanished,
        BrokenCircuitException => FailureReason.Paused,
        TimeoutRejectedException or TimeoutException => FailureReason.Timeout,
        HttpRequestException or SocketException => FailureReason.Connection,
        IOException and not FileNotFoundException and not DirectoryNotFoundException => FailureReason.Io,
        _ => FailureReason.Other,
    };

    private const string AttemptsKey = "nix-watcher.attempts";

    /// <summary>Records on <paramref name="exception"/> how many times the failed request was sent; returns it.</summary>
    public static Exception WithAttempts(Exception exception, int attempts)
    {
        exception.Data[AttemptsKey] = attempts;
        return exception;
    }

    /// <summary>How many times the request that failed with <paramref name="exception"/> was sent (1 when nobody counted).</summary>
    public static int Attempts(Exception exception) => exception.Data[AttemptsKey] is int attempts ? attempts : 1;

    /// <summary>The reason for an HTTP error status that carries nothing more specific.</summary>
    public static FailureReason FromStatus(int status) => status switch
    {
        401 => FailureReason.Unauthorized,
        403 => FailureReason.Forbidden,
        413 => FailureReason.TooLarge,
        408 => FailureReason.Timeout,
        429 => FailureReason.Throttled,
        501 or 505 => FailureReason.Rejected,
        >= 500 => FailureReason.ServerError,
        _ => FailureReason.Rejected,
    };

    /// <summary>Whether <paramref name="exception"/> is worth sending again.</summary>
    public static bool IsTransient(Exception exception) => Classify(exception).IsTransient();

    /// <summary>
    /// The exception to log with its stack trace, or null: only failures nobody expected (<see cref="FailureReason.Other"/>
    /// that Watcher did not raise on purpose) get one; the expected ones are one line with their cause.
    /// </summary>
    public static Exception? StackTraceFor(Exception exception) =>
        exception is not WatcherException && Classify(exception) == FailureReason.Other ? exception : null;
}
