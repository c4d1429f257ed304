using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;

namespace Watcher.IntegrationTests.Caches.Attic;

/// <summary>
/// A <see cref="WatcherHome"/> set up as an attic user's: <c>$XDG_CONFIG_HOME/attic/config.toml</c> with server
/// <c>home</c> and a <c>token-file</c>, and a nix-watcher config with <c>[caches.home] type = "attic"</c>.
/// </summary>
internal sealed class AtticHome : IDisposable
{
    public const string CacheName = "private";

    public AtticHome(Uri endpoint, string? token, string extraCacheKeys = "")
    {
        TokenFile = Path.Combine(Home.Root, "secrets", "attic-token");
        Directory.CreateDirectory(Path.GetDirectoryName(TokenFile)!);
        File.WriteAllText(TokenFile, token is null ? string.Empty : token + "\n");
        string atticDir = Path.Combine(Home.Root, ".config", "attic");
        Directory.CreateDirectory(atticDir);
        File.WriteAllText(Path.Combine(atticDir, "config.toml"), $"""
            default-server = "home"

            [servers.home]
            endpoint = "{endpoint}"
            token-file = "{TokenFile}"
            """);
        ConfigFile = Path.Combine(Home.Root, "nix-watcher.toml");
        File.WriteAllText(ConfigFile, $"""
            [caches.home]
            type = "attic"
            server = "home"
            cache = "{CacheName}"
            {extraCacheKeys}
            """);
    }

    public WatcherHome Home { get; } = new();

    public string TokenFile { get; }

    public string ConfigFile { get; }

    public Task<ProcessResult> PushAsync(string path, CancellationToken cancellationToken) =>
        Home.RunAsync(["--config", ConfigFile, "push", path], cancellationToken);

    /// <summary>Real Nix copies <paramref name="paths"/> from the test server into a fresh store, signatures required, authenticating through a netrc.</summary>
    public Task<ProcessResult> SubstituteAsync(AtticTestServer server, string token, IEnumerable<string> paths, CancellationToken cancellationToken) =>
        server.SubstituteAsync(CacheName, Home.Root, token, paths, cancellationToken);

    public void Dispose() => Home.Dispose();
}
