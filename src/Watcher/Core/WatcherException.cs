namespace Watcher.Core;

/// <summary>The base of every error Watcher raises on purpose.</summary>
internal class WatcherException : Exception
{
    public WatcherException(string message)
        : base(message)
    {
    }

    public WatcherException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
