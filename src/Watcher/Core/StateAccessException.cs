namespace Watcher.Core;

/// <summary>
/// The state directory cannot be used by this user: it belongs to someone else, or its database cannot be opened.
/// The message names the directory and says what to do; commands exit 1 with it.
/// </summary>
internal sealed class StateAccessException : WatcherException
{
    public StateAccessException(string message)
        : base(message)
    {
    }

    public StateAccessException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
