namespace Watcher;

/// <summary>A binary cache refused or failed an upload.</summary>
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
}
