using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;

namespace Watcher.IntegrationTests.Caches.Attic;

/// <summary>
/// <c>nix-watcher run</c> against an Attic server that says no (or is not there): the daemon logs the classified
/// error and keeps going, the paths are not forgotten (pending, or dead letters with the reason), and once the cause
/// is fixed a restart pushes every one of them so that real Nix can substitute them.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class AtticDaemonFailureTests(NixFixture nix)
{
    // One closure (3 paths) for every case: each case has its own server and state, so the same paths are new to it.
    private static readonly ConcurrentDictionary<int, Task<IReadOnlyList<string>>> Closure = new();

    [Fact]
    public async Task Run_ExpiredToken_LogsTokenExpiredKeepsPathsPendingAndPushesThemWithANewToken()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(AtticHome.CacheName);
        string expired = server.CreateToken("pusher", TimeSpan.FromHours(-2), (AtticHome.CacheName, "rw"));

        await FailThenRecoverAsync(
            server,
            expired,
            ["token rejected or expired (HTTP 401", "the token expired at", "the attic token from"],
            (home, _) => home.WriteToken(server.CreateToken("pusher", TimeSpan.FromDays(30), (AtticHome.CacheName, "rw"))),
            expectDeadLetters: false,
            ct);
    }

    [Fact]
    public async Task Run_TokenWithoutPush_LogsPermissionKeepsPathsPendingAndPushesThemOnceAllowed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(AtticHome.CacheName);
        string readOnly = server.CreateToken("reader", TimeSpan.FromDays(30), (AtticHome.CacheName, "r"));

        await FailThenRecoverAsync(
            server,
            readOnly,
            ["the token has no permission for this on cache", "(HTTP 403", "it needs pull and push"],
            (home, _) => home.WriteToken(server.CreateToken("pusher", TimeSpan.FromDays(30), (AtticHome.CacheName, "rw"))),
            expectDeadLetters: false,
            ct);
    }

    [Fact]
    public async Task Run_ProxyLimitBelowNarSize_DeadLettersPointAtUploadEndpointAndTheDirectAddressFixesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        server.AddCache(AtticHome.CacheName);

        // Below any upload (preamble + NAR); uploads only, since the daemon's rounds may also hold other tests' paths.
        server.MaxRequestBodySize = 300;
        server.LimitUploadsOnly = true;
        string token = server.CreateToken("pusher", TimeSpan.FromDays(30), (AtticHome.CacheName, "rw"));

        await FailThenRecoverAsync(
            server,
            token,
            ["HTTP 413 request too large", $"Set 'upload-endpoint' in [caches.{AtticDaemonHome.CacheName}]", "is a dead letter for home"],
            (home, outputs) => home.WriteConfig(server.Endpoint, [outputs[^1]], $"upload-endpoint = \"{server.DirectEndpoint}\""),
            expectDeadLetters: true,
            ct);
        Assert.Contains(server.Requests, r => r == $"PUT /_api/v1/upload-path {server.DirectEndpoint.Port}");
    }

    [Fact]
    public async Task Run_ServerDown_LogsUnreachableKeepsPathsPendingAndPushesThemWhenItIsBack()
    {
        var ct = TestContext.Current.CancellationToken;
        int port = FreePort();
        var endpoint = new Uri($"http://127.0.0.1:{port}/");
        var outputs = await ClosureAsync();
        using var home = new AtticDaemonHome();
        home.WriteConfig(endpoint, [outputs[^1]]);
        home.WriteToken(AtticTestToken.Create(new byte[32], "pusher", TimeProvider.System.GetUtcNow().AddDays(30), (AtticHome.CacheName, "rw")));

        await using (var daemon = home.Start())
        {
            await WaitForRepeatedLogAsync(daemon, $"cannot reach the attic server at {endpoint}", ct);
            Assert.Equal(0, await daemon.StopAsync(ct));
        }

        AssertKept(home, outputs, expectDeadLetters: false, []);

        await using var server = await AtticTestServer.StartAsync(ct, port);
        server.AddCache(AtticHome.CacheName);
        string token = server.CreateToken("pusher", TimeSpan.FromDays(30), (AtticHome.CacheName, "rw"));
        home.WriteToken(token);
        await RecoverAsync(home, server, token, outputs, ct);
    }

    /// <summary>Runs the daemon against the failing server, checks the log and the state, fixes the cause, and checks recovery.</summary>
    private async Task FailThenRecoverAsync(AtticTestServer server, string token, string[] phrases, Action<AtticDaemonHome, IReadOnlyList<string>> fix, bool expectDeadLetters, CancellationToken ct)
    {
        var outputs = await ClosureAsync();
        using var home = new AtticDaemonHome();
        home.WriteConfig(server.Endpoint, [outputs[^1]]);
        home.WriteToken(token);

        await using (var daemon = home.Start())
        {
            if (expectDeadLetters)
            {
                await daemon.WaitUntilAsync(() => outputs.All(o => daemon.Log.Contains($"{o} is a dead letter for {AtticDaemonHome.CacheName}", StringComparison.Ordinal)), "every path a dead letter", ct);
            }
            else
            {
                await WaitForRepeatedLogAsync(daemon, phrases[0], ct);
            }

            Assert.Equal(0, await daemon.StopAsync(ct));
            AssertLogged(daemon.Log, token, phrases);
        }

        Assert.Empty(server.Caches[AtticHome.CacheName].Objects);
        AssertKept(home, outputs, expectDeadLetters, phrases);

        fix(home, outputs);
        await RecoverAsync(home, server, token: File.ReadAllText(home.TokenFile).Trim(), outputs, ct);
    }

    /// <summary>Restarts the daemon; every path reaches the cache, nothing stays pending, real Nix substitutes the closure.</summary>
    private static async Task RecoverAsync(AtticDaemonHome home, AtticTestServer server, string token, IReadOnlyList<string> outputs, CancellationToken ct)
    {
        var objects = server.Caches[AtticHome.CacheName].Objects;
        await using (var daemon = home.Start())
        {
            await daemon.WaitUntilAsync(() => outputs.All(o => objects.ContainsKey(Path.GetFileName(o)[..32])), "every path in the attic cache", ct);
            Assert.Equal(0, await daemon.StopAsync(ct));
        }

        var (pending, deadLetters) = home.ReadState(outputs);
        Assert.Empty(pending);
        Assert.Empty(deadLetters);
        var copy = await home.SubstituteAsync(server, token, [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    /// <summary>The paths are still known to the state: pending with no dead letter, or dead letters whose reason explains.</summary>
    private static void AssertKept(AtticDaemonHome home, IReadOnlyList<string> outputs, bool expectDeadLetters, string[] phrases)
    {
        var (pending, deadLetters) = home.ReadState(outputs);
        if (!expectDeadLetters)
        {
            Assert.Equal(outputs.Order(StringComparer.Ordinal), pending.Order(StringComparer.Ordinal));
            Assert.Empty(deadLetters);
            return;
        }

        Assert.Empty(pending);
        Assert.Equal(outputs.Order(StringComparer.Ordinal), deadLetters.Select(d => d.Path).Order(StringComparer.Ordinal));
        var first = Assert.Single(deadLetters, d => d.Path == outputs[0]);
        Assert.Contains(phrases[1], first.Reason, StringComparison.Ordinal);
        Assert.All(deadLetters.Where(d => d.Path != outputs[0]), d => Assert.Contains("is a dead letter", d.Reason, StringComparison.Ordinal));
    }

    private static void AssertLogged(string log, string token, string[] phrases)
    {
        foreach (string phrase in phrases)
        {
            Assert.Contains(phrase, log, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(token.Split('.')[2], log, StringComparison.Ordinal);
    }

    /// <summary>
    /// Waits until the scheduler gave up on the cache twice (setting it up, or asking it what it lacks): once the request
    /// policy's attempts were spent (or the cache was paused), it waited and tried again instead of giving up on the paths
    /// or dying. The policy's own "retrying" lines carry the same text, so only the scheduler's lines count.
    /// </summary>
    private static Task WaitForRepeatedLogAsync(WatcherDaemon daemon, string text, CancellationToken ct) =>
        daemon.WaitUntilAsync(
            () => daemon.Log.Split('\n').Count(l => (l.Contains($"cannot set up {AtticDaemonHome.CacheName} ", StringComparison.Ordinal) || l.Contains($"{AtticDaemonHome.CacheName} could not say whether it has", StringComparison.Ordinal))
                && l.Contains(text, StringComparison.Ordinal)) >= 2,
            $"'{text}' logged twice by the scheduler",
            ct,
            TimeSpan.FromMinutes(3));

    private Task<IReadOnlyList<string>> ClosureAsync() => Closure.GetOrAdd(0, _ => nix.BuildChainAsync(3, CancellationToken.None));

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
