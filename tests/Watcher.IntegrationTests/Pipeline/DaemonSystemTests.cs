using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Data.Sqlite;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>The daemon as the system sees it: sd_notify, an unprivileged user, bounded memory.</summary>
[Collection(NixCollection.Name)]
public sealed class DaemonSystemTests(NixFixture nix)
{
    private const string TestUser = "nixwatcher-test";

    [Fact]
    public async Task Run_NotifySocket_SendsReadyStatusWatchdogAndStopping()
    {
        var ct = TestContext.Current.CancellationToken;

        // Pushes nothing: other tests build in the shared store meanwhile, and an upload at the stop would be drained.
        using var home = new DaemonHome(extraWatch: "exclude = [\".*\"]");
        string socketPath = Path.Combine(home.Root, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var messages = new List<string>();
        using var receiving = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receive = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            while (!receiving.IsCancellationRequested)
            {
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, receiving.Token);
                lock (messages)
                {
                    messages.AddRange(Encoding.UTF8.GetString(buffer, 0, n).Split('\n'));
                }
            }
        }, ct);
        bool Has(string prefix)
        {
            lock (messages)
            {
                return messages.Any(m => m.StartsWith(prefix, StringComparison.Ordinal));
            }
        }

        await using var daemon = home.Start(new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "2000000" });

        await daemon.WaitUntilAsync(() => Has("READY=1") && Has("STATUS=") && Has("WATCHDOG=1"), "READY, STATUS and WATCHDOG", ct);
        Assert.Equal(0, await daemon.StopAsync(ct));
        await daemon.WaitUntilAsync(() => Has("STOPPING=1"), "STOPPING", ct, TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, ct);
        await receiving.CancelAsync();
        await receive.ContinueWith(_ => { }, CancellationToken.None);
        Assert.True(Has("STOPPING=1"), string.Join('\n', messages));

        // Nothing was uploading: no drain, so no extension of the stop timeout (SchedulerServiceTests covers a drain).
        Assert.False(Has("EXTEND_TIMEOUT_USEC="), string.Join('\n', messages));
    }

    [Fact]
    public async Task Run_AsUnprivilegedUser_PushesWithOnlyTheSocketAndTheStore()
    {
        var ct = TestContext.Current.CancellationToken;
        await EnsureUserAsync(ct);
        using var home = new DaemonHome();
        (await ProcessRunner.RunAsync("chown", ["-R", TestUser, home.Root], cancellationToken: ct)).EnsureSuccess("chown");
        await using var daemon = home.Start(runAs: TestUser);
        await daemon.WaitForLogAsync("start-up scan", ct);

        var outputs = await nix.BuildChainAsync(3, ct);

        await daemon.WaitUntilAsync(() => outputs.All(home.HasNarInfo), "the outputs pushed by the unprivileged daemon", ct);
        var owner = await ProcessRunner.RunAsync("stat", ["-c", "%U", Path.Combine(home.CacheDir, Path.GetFileName(outputs[0])[..32] + ".narinfo")], cancellationToken: ct);
        Assert.Equal(TestUser, owner.StandardOutput.Trim());
        Assert.Equal(0, await daemon.StopAsync(ct));
    }

    [Fact]
    public async Task Run_ThousandsOfPendingPaths_WaitInTheStateNotInMemory()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile).Replace("roots = []", "roots = []\njobs = 1", StringComparison.Ordinal));
        await using var daemon = home.Start();
        await daemon.WaitForLogAsync("start-up scan", ct);
        long baseline = ReadStatus(daemon.ProcessId, "VmRSS");

        string nonce = Guid.NewGuid().ToString("N")[..10];
        var outputs = Enumerable.Range(0, 2000).Select(i => "o" + i).ToList();
        string script = string.Join("; ", outputs.Select(o => $"echo {o} > ${o}"));
        var build = NixFixture.BuildExpressionAsync(
            $$"""let d = derivation { name = "wt-many-{{nonce}}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "{{script}}" ]; outputs = [ {{string.Join(' ', outputs.Select(o => $"\"{o}\""))}} ]; }; in [ {{string.Join(' ', outputs.Select(o => "d." + o))}} ]""",
            ct);
        long maxPending = 0;
        string stateDb = Path.Combine(home.Root, "state", "state.db");
        int NarInfos() => Directory.Exists(home.CacheDir) ? Directory.GetFiles(home.CacheDir, "*.narinfo").Length : 0;
        await daemon.WaitUntilAsync(
            () =>
            {
                maxPending = Math.Max(maxPending, CountPending(stateDb));
                return build.IsFaulted || (build.IsCompleted && NarInfos() >= outputs.Count);
            },
            "2000 outputs in the cache",
            ct);
        await build;

        long peak = ReadStatus(daemon.ProcessId, "VmHWM");
        Assert.Equal(0, await daemon.StopAsync(ct));
        Assert.True(maxPending > 1000, $"the journal never held many paths (max {maxPending})");
        Assert.True(peak - baseline < 120 * 1024, $"RSS grew from {baseline} kB to a peak of {peak} kB");
    }

    private static long CountPending(string stateDb)
    {
        if (!File.Exists(stateDb))
        {
            return 0;
        }

        using var connection = new SqliteConnection($"Data Source={stateDb};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM pending";
        return (long)command.ExecuteScalar()!;
    }

    private static long ReadStatus(int pid, string field)
    {
        string line = File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static async Task EnsureUserAsync(CancellationToken cancellationToken)
    {
        if ((await ProcessRunner.RunAsync("id", [TestUser], cancellationToken: cancellationToken)).ExitCode != 0)
        {
            (await ProcessRunner.RunAsync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TestUser], cancellationToken: cancellationToken)).EnsureSuccess("useradd");
        }

        (await ProcessRunner.RunAsync("usermod", ["-aG", "nix-users", TestUser], cancellationToken: cancellationToken)).EnsureSuccess("usermod");
    }
}
