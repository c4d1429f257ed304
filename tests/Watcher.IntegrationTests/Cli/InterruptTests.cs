using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// SIGINT and SIGTERM sent to <c>push</c> and <c>scan</c> at moments a bucket's front marks (a request it holds): the
/// command stops in order, says what it did in one line, exits 130 or 143, and leaves the bucket whole (every narinfo
/// with its NAR and its references) and no staged file behind.
/// </summary>
[Collection(NixCollection.Name)]
public sealed partial class InterruptTests(NixFixture nix, S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const int Paths = 8;

    /// <summary>The moments: the lookup, the first NAR upload, the narinfo of the third path (after two are published).</summary>
    public static TheoryData<string, string, string, int> Moments() => new()
    {
        { "push", "INT", "lookup", 0 },
        { "push", "TERM", "lookup", 0 },
        { "push", "INT", "nar", 0 },
        { "push", "TERM", "nar", 0 },
        { "push", "INT", "narinfo", 2 },
        { "push", "TERM", "narinfo", 2 },
        { "scan", "INT", "nar", 0 },
        { "scan", "TERM", "narinfo", 2 },
    };

    [Theory]
    [MemberData(nameof(Moments))]
    public async Task Command_SignalAtAMoment_StopsInOrderSaysWhatItDidAndExitsWithTheSignal(string command, string signal, string moment, int pushed)
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(Paths, ct);
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket);
        string third = Path.GetFileName(outputs[2])[..32];
        var hold = FrontHold.On(front, moment switch
        {
            "lookup" => r => HttpMethods.IsHead(r.Method) && r.Path.Value!.EndsWith(".narinfo", StringComparison.Ordinal),
            "nar" => r => HttpMethods.IsPut(r.Method) && r.Path.Value!.Contains("/nar/", StringComparison.Ordinal),
            _ => r => HttpMethods.IsPut(r.Method) && r.Path.Value!.EndsWith($"/{third}.narinfo", StringComparison.Ordinal),
        });
        string[] arguments = command == "push"
            ? ["--config", cache.ConfigFile, "push", outputs[^1]]
            : ["--config", WithScanRoot(cache, outputs[^1]), "scan"];

        await using var process = WatcherDaemon.StartCommand(arguments, cache.Home.Environment);
        await hold.ArrivedAsync(process, ct);
        await process.SignalAsync(signal, ct);
        int exitCode = await process.WaitForExitAsync(ct);

        AssertStopped(process, exitCode, signal, $"interrupted: {pushed} pushed, {Paths - pushed} not pushed");
        using var client = s3.Server.CreateClient();
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.Equal(outputs.Take(pushed).Select(o => Path.GetFileName(o)[..32]).Order(StringComparer.Ordinal), narInfos.Keys.Select(k => k[..32]).Order(StringComparer.Ordinal));
        Assert.Empty(StagedFiles(cache.Home));
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Push_SignalDuringAMultipartUpload_LeavesTheUploadForTheNextStartAndPublishesNothing(string signal)
    {
        var ct = TestContext.Current.CancellationToken;
        string big = await S3TestCache.BigPathAsync(ct);
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket);
        var hold = FrontHold.On(front, r => HttpMethods.IsPut(r.Method) && r.QueryString.Value!.Contains("partNumber=", StringComparison.Ordinal));

        await using var process = WatcherDaemon.StartCommand(["--config", cache.ConfigFile, "push", big], cache.Home.Environment);
        await hold.ArrivedAsync(process, ct);
        await process.SignalAsync(signal, ct);
        int exitCode = await process.WaitForExitAsync(ct);

        AssertStopped(process, exitCode, signal, "interrupted: 0 pushed, 1 not pushed");
        Assert.Contains(front.Log, r => r.Method == "POST" && r.Target.Contains("?uploads", StringComparison.Ordinal));
        Assert.DoesNotContain(front.Log, r => r.Method == "DELETE");
        Assert.DoesNotContain(front.Log, r => r.Target.EndsWith(".narinfo", StringComparison.Ordinal) && r.Method == "PUT");
        Assert.Contains("is left for the next start", process.Log, StringComparison.Ordinal);
        Assert.Empty(StagedFiles(cache.Home));
    }

    [Fact]
    public async Task Push_InterruptedOnATerminal_ClearsTheLiveDisplayAndGivesTheCursorBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(Paths, ct);
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket);
        var hold = FrontHold.On(front, r => HttpMethods.IsPut(r.Method) && r.Path.Value!.Contains("/nar/", StringComparison.Ordinal));
        string pidFile = Path.Combine(cache.Home.Root, "push.pid");

        // exec: the shell becomes nix-watcher, so the pid it wrote is the one to signal, and the terminal is its own.
        string command = string.Join(' ', WatcherExecutable.CommandLine.Concat(["--config", cache.ConfigFile, "push", outputs[^1]]).Select(a => $"'{a}'"));
        var run = PseudoTerminal.RunAsync(["sh", "-c", $"echo $$ > '{pidFile}'; exec {command}"], cache.Home.Environment, ct);
        await hold.Arrived.WaitAsync(TestTimeouts.DaemonWork, ct);
        await ProcessRunner.RunAsync("kill", ["-INT", File.ReadAllText(pidFile).Trim()], cancellationToken: ct);
        var result = await run;

        string raw = result.StandardOutput;
        string text = PseudoTerminal.Text(raw);
        Assert.True(result.ExitCode == 130, $"exit {result.ExitCode}:\n{text}");
        Assert.Contains("\u001b[?25l", raw, StringComparison.Ordinal);
        Assert.True(raw.LastIndexOf("\u001b[?25h", StringComparison.Ordinal) > raw.LastIndexOf("\u001b[?25l", StringComparison.Ordinal), "the cursor stays hidden:\n" + text);
        Assert.Contains($"nix-watcher: interrupted: 0 pushed, {Paths} not pushed", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), text);
        Assert.Empty(StagedFiles(cache.Home));
    }

    [Fact]
    public async Task Push_TwoInterrupts_ExitWith130WithoutAStackTrace()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(2, ct);
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket);

        // Whichever ends the command, the orderly stop or the second Ctrl-C (Interrupts' unit tests tell them apart).
        var hold = FrontHold.On(front, _ => true);
        await using var process = WatcherDaemon.StartCommand(["--config", cache.ConfigFile, "push", outputs[^1]], cache.Home.Environment);
        await hold.ArrivedAsync(process, ct);
        await process.SignalAsync("INT", ct);
        await process.SignalAsync("INT", ct);
        int exitCode = await process.WaitForExitAsync(ct);

        Assert.True(exitCode == 130, process.Log);
        Assert.DoesNotContain("Unhandled exception", process.Log, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), process.Log);
    }

    [Theory]
    [InlineData("/tmp", 2)]
    [InlineData("/nix/store/00000000000000000000000000000000-not-there", 1)]
    public async Task Push_JsonAndAnErrorBeforeThePushStarts_PrintsAJsonObjectOnStdout(string argument, int exitCode)
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();

        var run = await home.RunAsync(["push", "--json", argument], ct);

        Assert.Equal(exitCode, run.ExitCode);
        using var json = System.Text.Json.JsonDocument.Parse(run.StandardOutput);
        Assert.Contains(argument, json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(exitCode, json.RootElement.GetProperty("exit_code").GetInt32());
        Assert.Contains(argument, run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The exit code of the signal, exactly one "interrupted" line saying <paramref name="line"/>, no stack trace.</summary>
    internal static void AssertStopped(WatcherDaemon process, int exitCode, string signal, string line)
    {
        Assert.True(exitCode == (signal == "INT" ? 130 : 143), $"exit {exitCode}:\n{process.Log}");
        var interrupted = process.Log.Split('\n').Where(l => l.Contains("interrupted", StringComparison.Ordinal)).ToList();
        Assert.True(interrupted.Count == 1 && interrupted[0] == "nix-watcher: " + line, process.Log);
        Assert.DoesNotContain("Unhandled exception", process.Log, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), process.Log);
    }

    /// <summary>What a process leaves staged in the default state directory of <paramref name="home"/>.</summary>
    internal static List<string> StagedFiles(WatcherHome home)
    {
        string staging = Path.Combine(home.Root, ".local", "state", "nix-watcher", "staging");
        return Directory.Exists(staging) ? [.. Directory.EnumerateFiles(staging, "*.nar", SearchOption.AllDirectories)] : [];
    }

    [GeneratedRegex(@"(?m)^\s+at \S+\(")]
    internal static partial Regex StackFrame();

    /// <summary>A config with the bucket and <c>watch.roots = [root]</c>, for <c>scan</c>.</summary>
    private static string WithScanRoot(S3TestCache cache, string root)
    {
        string config = Path.Combine(cache.Home.Root, "scan.toml");
        File.WriteAllText(config, $"""
            [watch]
            scan = "roots"
            roots = ["{root}"]

            """ + File.ReadAllText(cache.ConfigFile));
        return config;
    }
}
