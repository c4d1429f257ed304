namespace Watcher;

/// <summary>How a cache failure should be treated: retried, dead-lettered, or reported as a setup problem.</summary>
internal enum CacheFailureKind
{
    /// <summary>Worth retrying: 408/429/5xx, connection errors, timeouts, S3 SlowDown.</summary>
    Transient,

    /// <summary>Retrying the same request cannot help (other 4xx, a rejected NAR): a dead letter.</summary>
    Permanent,

    /// <summary>Credentials missing, rejected or expired (401, S3 InvalidAccessKeyId/SignatureDoesNotMatch).</summary>
    Unauthorized,

    /// <summary>The credentials work but may not do this (403).</summary>
    Forbidden,

    /// <summary>A proxy or the server refused the request size (413).</summary>
    TooLarge,

    /// <summary>Nothing was sent: the cache is paused after repeated failures (its circuit breaker is open).</summary>
    Unavailable,
}

/// <summary>A binary cache refused or failed an upload; <see cref="Kind"/> says whether to retry.</summary>
internal sealed class CacheUploadException : WatcherException
{
    public CacheUploadException(string message)
        : base(message)
    {
    }

    public CacheUploadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CacheUploadException(string message, CacheFailureKind kind, int? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException!)
    {
        Kind = kind;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <value>The default value is <see cref="CacheFailureKind.Transient"/>: an unclassified failure is retried, bounded by the retry budget.</value>
    public CacheFailureKind Kind { get; } = CacheFailureKind.Transient;

    /// <summary>The HTTP status the server answered with, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>The server's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}
