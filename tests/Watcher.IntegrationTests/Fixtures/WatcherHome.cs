namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// A throwaway home directory for one nix-watcher run (HOME and the XDG directories inside it), and a
/// way to run the real nix-watcher binary against it. Deleted on dispose.
/// </summary>
public sealed class WatcherHome : IDisposable
{
    public WatcherHome()
    {
        Root = Directory.CreateTempSubdirectory("watcher-home-").FullName;
    }

    public string Root { get; }

    public string CacheDir => Path.Combine(Root, ".cache", "nix-watcher", "cache");

    public string ConfigDir => Path.Combine(Root, ".config", "nix-watcher");

    public IDictionary<string, string?> Environment => IsolatedEnvironment(Root);

    /// <summary>
    /// An environment whose home and XDG dirs are under <paramref name="root"/>, with nothing of the caller's
    /// nix-watcher config or systemd notify socket: for every <c>nix-watcher</c> a test starts.
    /// </summary>
    public static Dictionary<string, string?> IsolatedEnvironment(string root) => new()
    {
        ["HOME"] = root,
        ["XDG_CONFIG_HOME"] = Path.Combine(root, ".config"),
        ["XDG_CACHE_HOME"] = Path.Combine(root, ".cache"),
        ["XDG_STATE_HOME"] = Path.Combine(root, ".local", "state"),
        ["DOTNET_CLI_HOME"] = root,
        ["NIX_WATCHER_CONFIG"] = null,
        ["NOTIFY_SOCKET"] = null,
    };

    /// <summary>Runs <c>nix-watcher</c> (<see cref="WatcherExecutable"/>) with this home.</summary>
    public Task<ProcessResult> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(arguments, new Dictionary<string, string?>(), cancellationToken);

    /// <summary>Runs <c>nix-watcher</c> with this home and <paramref name="extraEnvironment"/> on top.</summary>
    public Task<ProcessResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> extraEnvironment, CancellationToken cancellationToken)
    {
        var environment = Environment;
        foreach (var (name, value) in extraEnvironment)
        {
            environment[name] = value;
        }

        return WatcherExecutable.RunAsync(arguments, environment, cancellationToken);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp dir must not fail a test.
        }
    }
}
