using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;
using Watcher.Nix;
using Watcher.State;

namespace Watcher.IntegrationTests.Caches.Attic;

/// <summary>
/// A throwaway setup for one <c>nix-watcher run</c> pushing to one Attic cache: a token file, a state dir and a
/// config with <c>[caches.home] type = "attic"</c> (endpoint and token-file given directly). Deleted on dispose.
/// </summary>
internal sealed class AtticDaemonHome : IDisposable
{
    public const string CacheName = "home";

    public AtticDaemonHome()
    {
        Root = Directory.CreateTempSubdirectory("watcher-attic-daemon-").FullName;
        Directory.CreateDirectory(Path.GetDirectoryName(TokenFile)!);
        WriteToken(null);
    }

    public string Root { get; }

    public string TokenFile => Path.Combine(Root, "secrets", "attic-token");

    public string ConfigFile => Path.Combine(Root, "config.toml");

    public string StateDir => Path.Combine(Root, "state");

    /// <summary>Writes the config; <paramref name="roots"/> are pushed by the start-up scan, <paramref name="extraCacheKeys"/> go in <c>[caches.home]</c>.</summary>
    public void WriteConfig(Uri endpoint, IEnumerable<string> roots, string extraCacheKeys = "", string scan = "roots") =>
        File.WriteAllText(ConfigFile, $"""
            state-dir = "{StateDir}"
            [watch]
            scan = "{scan}"
            roots = [{string.Join(", ", roots.Select(r => $"\"{r}\""))}]
            batch-quiet-ms = 100
            batch-max-ms = 500
            [caches.{CacheName}]
            type = "attic"
            endpoint = "{endpoint}"
            cache = "{AtticHome.CacheName}"
            token-file = "{TokenFile}"
            {extraCacheKeys}
            [metrics]
            listen = ""
            """);

    public void WriteToken(string? token) => File.WriteAllText(TokenFile, token is null ? string.Empty : token + "\n");

    public WatcherDaemon Start() => WatcherDaemon.Start(ConfigFile, WatcherHome.IsolatedEnvironment(Root));

    /// <summary>
    /// What the daemon's state holds about <paramref name="paths"/> (pending, dead letters); open it only while the daemon is
    /// stopped. Only these paths count: the daemon also journals whatever else is built on this machine while it runs.
    /// </summary>
    public (IReadOnlySet<string> Pending, IReadOnlyList<DeadLetter> DeadLetters) ReadState(IReadOnlyCollection<string> paths)
    {
        using var state = StateStore.Open(StateDir);
        var pending = state.PendingAmong(CacheName, [.. paths.Select(p => StorePath.Parse(p))]).Select(p => p.Path.FullPath).ToHashSet(StringComparer.Ordinal);
        return (pending, [.. state.DeadLetters().Where(d => d.Cache == CacheName && paths.Contains(d.Path))]);
    }

    /// <summary>Real Nix copies <paramref name="paths"/> from the server into a fresh store, signatures required, with the token in a netrc.</summary>
    public Task<ProcessResult> SubstituteAsync(AtticTestServer server, string token, IEnumerable<string> paths, CancellationToken cancellationToken) =>
        server.SubstituteAsync(AtticHome.CacheName, Root, token, paths, cancellationToken);

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
