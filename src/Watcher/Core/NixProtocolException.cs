namespace Watcher.Core;

/// <summary>The nix-daemon worker protocol or a Nix wire format was violated; the connection it came from must be discarded.</summary>
internal sealed class NixProtocolException : WatcherException
{
    public NixProtocolException(string message)
        : base(message)
    {
    }

    public NixProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
