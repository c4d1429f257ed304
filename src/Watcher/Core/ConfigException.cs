namespace Watcher.Core;

/// <summary>The configuration is invalid; the message names the file, position and key.</summary>
internal sealed class ConfigException : WatcherException
{
    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
