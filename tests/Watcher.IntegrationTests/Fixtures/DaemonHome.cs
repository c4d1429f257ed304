namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// A throwaway setup for one daemon: a file cache, a signing key, a state dir and the config file that
/// ties them together. Deleted on dispose.
/// </summary>
public sealed class DaemonHome : IDisposable
{
    private readonly Watcher.Nix.NixSecretKey _key;

    public DaemonHome(string scan = "none", string extraWatch = "")
    {
        Root = Directory.CreateTempSubdirectory("watcher-daemon-").FullName;
        var (key, text) = Watcher.Nix.NixSecretKey.Generate("daemon-test-1");
        _key = key;
        File.WriteAllText(Path.Combine(Root, "secret.key"), text);
        File.WriteAllText(ConfigFile, $"""
            state-dir = "{Root}/state"
            [watch]
            scan = "{scan}"
            roots = []
            {extraWatch}
            [caches.local]
            type = "file"
            path = "{CacheDir}"
            signing-key-file = "{Root}/secret.key"
            [metrics]
            listen = ""
            """);
    }

    public string Root { get; }

    public string CacheDir => Path.Combine(Root, "cache");

    public string ConfigFile => Path.Combine(Root, "config.toml");

    public string PublicKey => _key.PublicKey.ToString();

    public IDictionary<string, string?> Environment => WatcherHome.IsolatedEnvironment(Root);

    public WatcherDaemon Start(IDictionary<string, string?>? extra = null, string? runAs = null)
    {
        var environment = Environment;
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return WatcherDaemon.Start(ConfigFile, environment, runAs);
    }

    /// <summary>Whether the cache has a narinfo for the store path.</summary>
    public bool HasNarInfo(string storePath) => File.Exists(Path.Combine(CacheDir, Path.GetFileName(storePath)[..32] + ".narinfo"));

    public void Dispose()
    {
        _key.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
