namespace Watcher.Core;

/// <summary>What a <see cref="FailureReason"/> means for a retry and for the metrics.</summary>
internal static class FailureReasonExtensions
{
    /// <summary>Whether the same request may succeed when sent again: timeouts, connection and server errors, local I/O.</summary>
    public static bool IsTransient(this FailureReason reason) =>
        reason is FailureReason.Timeout or FailureReason.Connection or FailureReason.Throttled or FailureReason.ServerError or FailureReason.Io or FailureReason.Damaged;

    /// <summary>The metrics label: timeout, connection, throttled, server_error, io, damaged, unauthorized, forbidden, too_large, rejected, mismatch, vanished, paused, reference or other.</summary>
    public static string Label(this FailureReason reason) => reason switch
    {
        FailureReason.Timeout => "timeout",
        FailureReason.Connection => "connection",
        FailureReason.Throttled => "throttled",
        FailureReason.ServerError => "server_error",
        FailureReason.Io => "io",
        FailureReason.Damaged => "damaged",
        FailureReason.Unauthorized => "unauthorized",
        FailureReason.Forbidden => "forbidden",
        FailureReason.TooLarge => "too_large",
        FailureReason.Rejected => "rejected",
        FailureReason.Mismatch => "mismatch",
        FailureReason.Vanished => "vanished",
        FailureReason.Paused => "paused",
        FailureReason.Reference => "reference",
        _ => "other",
    };
}
