using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Cli;

/// <summary><c>nix-watcher check</c> against a real nix-daemon, the Attic test server and a file cache: it reports, it never writes.</summary>
[Collection(NixCollection.Name)]
public sealed class CheckCommandTests(NixFixture nix)
{
    private const string Cache = "private";

    [Fact]
    public async Task Check_GoodConfig_ReportsWhatAScanWouldPushAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(Cache);
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(4, ct);
        string config = WriteConfig(home, server.Endpoint, server.CreateToken("pusher", TimeSpan.FromDays(30), (Cache, "rw")), outputs[^1]);

        var check = await home.RunAsync(["--config", config, "check", "--verbose"], ct);

        string text = check.StandardOutput + check.StandardError;
        Assert.True(check.ExitCode == 0, text);
        Assert.Contains($"cache home (attic cache '{Cache}' at {server.Endpoint}): ok", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"cache local (file {home.Root}/file-cache): ok; does not exist yet; the first push creates it", check.StandardOutput, StringComparison.Ordinal);
        string nixVersion = (await ProcessRunner.RunAsync("nix-daemon", ["--version"], cancellationToken: ct)).EnsureSuccess("nix-daemon --version").StandardOutput.Trim().Split(' ')[^1];
        Assert.Matches($@"nix-daemon /nix/var/nix/daemon-socket/socket: ok, Nix {Regex.Escape(nixVersion)}, protocol 1\.[0-9]+ \(the daemon speaks 1\.[0-9]+, nix-watcher up to 1\.38\)", check.StandardOutput);
        Assert.Contains("scan = \"roots\": 1 root, 4 paths in their closures", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  home: 4 to push (", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  local: 4 to push (", check.StandardOutput, StringComparison.Ordinal);
        Assert.All(outputs, o => Assert.Contains("    " + o + "\n", check.StandardOutput, StringComparison.Ordinal));
        Assert.EndsWith("check: ok\n", check.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(server.Caches[Cache].Objects);
        Assert.False(Directory.Exists(Path.Combine(home.Root, "file-cache")));
    }

    [Fact]
    public async Task Check_AfterAPush_CountsThePathsAlreadyThere()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(3, ct);
        (await home.RunAsync(["push", outputs[1]], ct)).EnsureSuccess("push");
        string link = Path.Combine(home.Root, "profile");
        File.CreateSymbolicLink(link, outputs[^1]);
        Directory.CreateDirectory(home.ConfigDir);
        string config = Path.Combine(home.ConfigDir, "config.toml");
        await File.WriteAllTextAsync(config, $"[watch]\nroots = [\"{link}\"]\n", ct);

        var check = await home.RunAsync(["check"], ct);

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        Assert.Contains("  local: 1 to push (", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("2 already there, 0 filtered out", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("nix-daemon /nix/var/nix/daemon-socket/socket: ok\n", check.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("another server's key", "token rejected or expired")]
    [InlineData("read-only", "no permission")]
    public async Task Check_AtticRefusesTheToken_ExitsOneAndSaysWhy(string token, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(Cache);
        using var home = new WatcherHome();
        string secret = token == "read-only"
            ? server.CreateToken("reader", TimeSpan.FromDays(30), (Cache, "r"))
            : AtticTestToken.Create(new byte[32], "pusher", TimeProvider.System.GetUtcNow().AddDays(30), (Cache, "rw"));
        string config = WriteConfig(home, server.Endpoint, secret, root: null);

        var check = await home.RunAsync(["--config", config, "check"], ct);

        string text = check.StandardOutput + check.StandardError;
        Assert.True(check.ExitCode == 1, text);
        Assert.Contains($"cache home (attic cache '{Cache}' at {server.Endpoint}): FAILED: ", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(expected, check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("cache local (", check.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("check: 1 problem\n", check.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Split('.')[2], text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_AtticServerDown_ExitsOneAndNamesTheServer()
    {
        var ct = TestContext.Current.CancellationToken;
        int port = FreePort();
        using var home = new WatcherHome();
        string config = WriteConfig(home, new Uri($"http://127.0.0.1:{port}/"), "a.b.c", root: null);

        var check = await home.RunAsync(["--config", config, "check"], ct);

        Assert.True(check.ExitCode == 1, check.StandardOutput + check.StandardError);
        Assert.Contains("cannot reach the attic server", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", check.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ConfigError_Exits78WithThePosition()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        string config = Path.Combine(home.Root, "config.toml");
        await File.WriteAllTextAsync(config, "[watch]\nscan = \"roots\"\njob = 2\n", ct);

        var check = await home.RunAsync(["--config", config, "check", "--offline"], ct);

        Assert.Equal(78, check.ExitCode);
        Assert.Contains($"{config}:3:1: unknown key 'watch.job'", check.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Offline_ContactsNeitherTheCacheNorTheDaemon()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(Cache);
        using var home = new WatcherHome();
        string config = WriteConfig(home, server.Endpoint, server.CreateToken("pusher", TimeSpan.FromDays(30), (Cache, "rw")), root: null);
        var noDaemon = new Dictionary<string, string?> { [Watcher.Store.NixDaemonClientOptions.SocketPathVariable] = Path.Combine(home.Root, "no.sock") };

        var offline = await home.RunAsync(["--config", config, "check", "--offline"], noDaemon, ct);
        int requestsOffline = server.Requests.Count;
        var online = await home.RunAsync(["--config", config, "check"], noDaemon, ct);

        Assert.True(offline.ExitCode == 0, offline.StandardOutput + offline.StandardError);
        Assert.Contains("offline: the caches and the nix-daemon were not contacted", offline.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, requestsOffline);

        // The same config online does reach the server, and fails on the missing daemon.
        Assert.NotEmpty(server.Requests);
        Assert.Equal(1, online.ExitCode);
        Assert.Contains($"nix-daemon {home.Root}/no.sock: FAILED: ", online.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_DefaultConfigWithoutKey_SaysItWillBeCreatedAndCreatesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();

        var check = await home.RunAsync(["check"], ct);

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        Assert.Contains($"signing key {home.ConfigDir}/signing.key: does not exist yet; the first push or run creates it", check.StandardOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(home.ConfigDir));
        Assert.False(Directory.Exists(home.CacheDir));
    }

    private static string WriteConfig(WatcherHome home, Uri atticEndpoint, string token, string? root)
    {
        var (key, keyText) = NixSecretKey.Generate("check-it-1");
        key.Dispose();
        File.WriteAllText(Path.Combine(home.Root, "signing.key"), keyText);
        File.WriteAllText(Path.Combine(home.Root, "attic-token"), token + "\n");
        string roots = root is null ? "[]" : $"[\"{Link(home, root)}\"]";
        string config = Path.Combine(home.Root, "nix-watcher.toml");
        File.WriteAllText(config, $"""
            [watch]
            roots = {roots}

            [caches.home]
            type = "attic"
            endpoint = "{atticEndpoint}"
            cache = "{Cache}"
            token-file = "{home.Root}/attic-token"

            [caches.local]
            type = "file"
            path = "{home.Root}/file-cache"
            signing-key-file = "{home.Root}/signing.key"
            """);
        return config;
    }

    private static string Link(WatcherHome home, string target)
    {
        string link = Path.Combine(home.Root, "result");
        File.CreateSymbolicLink(link, target);
        return link;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
