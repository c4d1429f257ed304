using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Fixtures.Attic;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// <c>nix-watcher status</c> and <c>retry</c> against a daemon whose Attic cache refuses uploads with 403: the refused
/// path shows up as a dead letter with the reason, and once the server allows it, <c>retry</c> gets it into the cache.
/// Without a daemon both commands work on the state directory.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class StatusRetryTests(NixFixture nix)
{
    private const string CacheName = "attic";
    private const string AtticCache = "private";

    [Fact]
    public async Task StatusAndRetry_RunningDaemonUploadRefusedWith403_ShowDeadLetterAndRetryPushesItOnceAllowed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        var cache = server.AddCache(AtticCache, isPublic: true);
        server.RefuseUploads = true;
        using var home = AtticDaemonHome(server);
        await using var daemon = home.Start();
        await daemon.WaitForLogAsync("start-up scan", ct);

        string path = (await nix.BuildChainAsync(1, ct))[0];
        await daemon.WaitForLogAsync($"{path} is a dead letter for {CacheName}", ct);

        var json = await CliAsync(home, ["status", "--json"], ct);
        Assert.True(json.ExitCode == 0, json.StandardError + json.StandardOutput);
        var report = Report(json);
        Assert.True(report.Daemon);
        var letter = Assert.Single(report.DeadLetters, d => d.Path == path);
        Assert.Contains("no permission", letter.Reason, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(report.DeadLetters.Count, report.DeadLetterCount);

        var text = await CliAsync(home, ["status"], ct);
        Assert.True(text.ExitCode == 0, text.StandardError + text.StandardOutput);
        Assert.Contains(": running", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"  dead: {path} (", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("nix-watcher retry", text.StandardOutput, StringComparison.Ordinal);
        Assert.False(cache.Objects.ContainsKey(HashPart(path)));

        server.RefuseUploads = false;
        var retry = await CliAsync(home, ["retry"], ct);

        Assert.True(retry.ExitCode == 0, retry.StandardError + retry.StandardOutput);
        Assert.Contains("the daemon is pushing them now", retry.StandardOutput, StringComparison.Ordinal);
        await daemon.WaitUntilAsync(() => cache.Objects.ContainsKey(HashPart(path)), "the retried path on the attic server", ct);
        var after = Report(await CliAsync(home, ["status", "--json"], ct));
        Assert.Equal(0, after.DeadLetterCount);
        Assert.Empty(after.DeadLetters);
        var copy = await NixVerifier.SubstituteAsync($"{server.Endpoint}{AtticCache}", cache.PublicKey, Path.Combine(home.Root, "fresh"), [path], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Fact]
    public async Task StatusAndRetry_NoDaemonRunning_StatusExitsOneFromTheStateAndRetryRequeuesThere()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        var cache = server.AddCache(AtticCache, isPublic: true);
        server.RefuseUploads = true;
        using var home = AtticDaemonHome(server);
        string path;
        await using (var daemon = home.Start())
        {
            await daemon.WaitForLogAsync("start-up scan", ct);
            path = (await nix.BuildChainAsync(1, ct))[0];
            await daemon.WaitForLogAsync($"{path} is a dead letter for {CacheName}", ct);
            Assert.Equal(0, await daemon.StopAsync(ct));
        }

        var text = await CliAsync(home, ["status"], ct);
        var json = await CliAsync(home, ["status", "--json"], ct);

        Assert.Equal(1, text.ExitCode);
        Assert.Contains("not running", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"  dead: {path} (", text.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        var report = Report(json);
        Assert.False(report.Daemon);
        Assert.Contains(report.DeadLetters, d => d.Path == path && d.Reason.Contains("HTTP 403", StringComparison.Ordinal));

        var retry = await CliAsync(home, ["retry", "--cache", CacheName], ct);

        Assert.True(retry.ExitCode == 0, retry.StandardError + retry.StandardOutput);
        Assert.Contains($"requeued {report.DeadLetterCount} dead letters; nix-watcher is not running", retry.StandardOutput, StringComparison.Ordinal);
        var requeued = Report(await CliAsync(home, ["status", "--json"], ct));
        Assert.Equal(0, requeued.DeadLetterCount);
        Assert.True(requeued.Pending >= 1, $"pending {requeued.Pending}");

        // The requeued path goes up at the next start, now that the server allows it.
        server.RefuseUploads = false;
        await using var second = home.Start();
        await second.WaitUntilAsync(() => cache.Objects.ContainsKey(HashPart(path)), "the requeued path on the attic server", ct);
        Assert.Equal(0, await second.StopAsync(ct));
    }

    [Fact]
    public async Task Retry_UnknownCache_ExitsWithUsageError()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await AtticTestServer.StartAsync(ct);
        using var home = AtticDaemonHome(server);

        var retry = await CliAsync(home, ["retry", "--cache", "nope"], ct);

        Assert.Equal(2, retry.ExitCode);
        Assert.Contains("no cache named 'nope'", retry.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A <see cref="DaemonHome"/> whose only cache is the Attic cache <c>private</c> on <paramref name="server"/>, pushing with a read-write token.</summary>
    private static DaemonHome AtticDaemonHome(AtticTestServer server)
    {
        var home = new DaemonHome();
        string tokenFile = Path.Combine(home.Root, "attic-token");
        File.WriteAllText(tokenFile, server.CreateToken("pusher", TimeSpan.FromDays(30), (AtticCache, "rw")) + "\n");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(home.ConfigFile, $"""
            state-dir = "{home.Root}/state"
            [watch]
            scan = "none"
            roots = []
            [caches.{CacheName}]
            type = "attic"
            endpoint = "{server.Endpoint}"
            cache = "{AtticCache}"
            token-file = "{tokenFile}"
            [metrics]
            listen = ""
            """);
        return home;
    }

    private static Task<ProcessResult> CliAsync(DaemonHome home, string[] arguments, CancellationToken cancellationToken) =>
        WatcherExecutable.RunAsync(["--config", home.ConfigFile, .. arguments], home.Environment, cancellationToken);

    private static string HashPart(string storePath) => Path.GetFileName(storePath)[..32];

    /// <summary>The <c>attic</c> cache's part of <c>status --json</c>, read from the snake_case JSON.</summary>
    private static CacheReport Report(ProcessResult result)
    {
        using var document = JsonDocument.Parse(result.StandardOutput);
        var root = document.RootElement;
        var cache = Assert.Single(root.GetProperty("caches").EnumerateArray());
        Assert.Equal(CacheName, cache.GetProperty("name").GetString());
        Assert.Equal("attic", cache.GetProperty("type").GetString());
        var letters = cache.GetProperty("dead_letters").EnumerateArray()
            .Select(d => new DeadLetterReport(d.GetProperty("path").GetString()!, d.GetProperty("reason").GetString()!, d.GetProperty("attempts").GetInt32()))
            .ToList();
        return new CacheReport(root.GetProperty("daemon").GetBoolean(), cache.GetProperty("pending").GetInt64(), cache.GetProperty("dead_letter_count").GetInt32(), letters);
    }

    private sealed record CacheReport(bool Daemon, long Pending, int DeadLetterCount, IReadOnlyList<DeadLetterReport> DeadLetters);

    private sealed record DeadLetterReport(string Path, string Reason, int Attempts);
}
