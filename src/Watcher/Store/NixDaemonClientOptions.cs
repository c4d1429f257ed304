using Watcher.Nix;

namespace Watcher.Store;

/// <summary>Where and how <see cref="NixDaemonClient"/> reaches the nix-daemon.</summary>
internal sealed class NixDaemonClientOptions
{
    public const string SocketPathVariable = "NIX_DAEMON_SOCKET_PATH";
    public const string DefaultSocketPath = "/nix/var/nix/daemon-socket/socket";

    /// <summary>The daemon's unix socket.</summary>
    /// <value>The default value is <c>$NIX_DAEMON_SOCKET_PATH</c> when set and non-empty, else <c>/nix/var/nix/daemon-socket/socket</c>, as Nix itself does.</value>
    public string SocketPath { get; set; } = ResolveDefaultSocketPath();

    /// <summary>The store directory; store paths outside it are rejected before they are sent.</summary>
    /// <value>The default value is <c>/nix/store</c>.</value>
    public string StoreDir { get; set; } = StorePath.DefaultStoreDir;

    /// <summary>How many connections (each one daemon process) may be open at once.</summary>
    /// <value>The default value is 4: enough to overlap NAR streaming with closure queries without forking many daemon workers.</value>
    public int MaxConnections { get; set; } = 4;

    public static string ResolveDefaultSocketPath()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(SocketPathVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? DefaultSocketPath : fromEnvironment;
    }
}
