namespace Watcher.Core;

/// <summary>
/// Why a request or a path failed: the one classification of failures. It decides whether the retry
/// policy sends the request again (<see cref="FailureReasonExtensions.IsTransient(FailureReason)"/>), what the scheduler does with
/// the path, and it is the <c>reason</c> label of the failure and retry metrics.
/// </summary>
internal enum FailureReason
{
    /// <summary>No answer in time, or a body that stopped moving. Retried.</summary>
    Timeout,

    /// <summary>The endpoint could not be reached, or the connection broke. Retried.</summary>
    Connection,

    /// <summary>The server asked to slow down (429, S3 SlowDown). Retried.</summary>
    Throttled,

    /// <summary>5xx and other answers that say "try again". Retried.</summary>
    ServerError,

    /// <summary>A local read or write failed (disk full, I/O error). Retried.</summary>
    Io,

    /// <summary>The server stored other bytes than were sent (its checksum or size says so): sent again.</summary>
    Damaged,

    /// <summary>Credentials missing, rejected or expired (401, S3 InvalidAccessKeyId).</summary>
    Unauthorized,

    /// <summary>The credentials work but may not do this (403).</summary>
    Forbidden,

    /// <summary>A proxy or the server refused the request size (413).</summary>
    TooLarge,

    /// <summary>Any other refusal: sending the same request again cannot help.</summary>
    Rejected,

    /// <summary>The store's bytes differ from its recorded NarHash/NarSize: nothing may be published.</summary>
    Mismatch,

    /// <summary>The path is no longer valid in the store (garbage-collected): nothing to push.</summary>
    Vanished,

    /// <summary>Nothing was sent: the cache is paused after repeated failures (its circuit is open).</summary>
    Paused,

    /// <summary>The path was not published because a reference of it was not.</summary>
    Reference,

    /// <summary>An unexpected error (a bug): not retried, logged with its stack trace.</summary>
    Other,
}
