namespace Watcher.Core;

/// <summary>A binary cache refused or failed a request; <see cref="Reason"/> says why, and so whether to send it again.</summary>
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

    public CacheUploadException(string message, FailureReason reason, int? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException!)
    {
        Reason = reason;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <value>The default value is <see cref="FailureReason.ServerError"/>: an unclassified cache failure is sent again, bounded by the retry policy.</value>
    public FailureReason Reason { get; } = FailureReason.ServerError;

    /// <summary>The HTTP status the server answered with, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>The server's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}
