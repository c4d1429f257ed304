using System.Text;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>Crashes, overflows and restarts: nothing is lost and the cache is never inconsistent.</summary>
[Collection(NixCollection.Name)]
public sealed class DaemonCrashTests
{
    [Fact]
    public async Task Run_Kill9DuringLargeClosure_RestartPushesEverythingAndInvariantNeverBreaks()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        string nonce = Guid.NewGuid().ToString("N")[..10];
        const int Count = 200;
        var expression = new StringBuilder("let mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" script ]; PATH = \"/usr/bin:/bin\"; };\n");
        expression.AppendLine($"big = mk \"wt-big-{nonce}\" \"mkdir $out; head -c 60000000 /dev/urandom > $out/blob\";");
        for (int i = 0; i < Count; i++)
        {
            string refs = i == 0 ? "echo ${big} > $out/big; " : $"echo ${{p{i - 1}}} > $out/r1; echo ${{p{i / 3}}} > $out/r2; ";
            expression.AppendLine($"p{i} = mk \"wt-crash-{nonce}-{i}\" \"mkdir $out; {refs}echo {i} > $out/n\";");
        }

        string source = "let " + expression.ToString().Replace("let mk", "mk", StringComparison.Ordinal) + "in [ big " + string.Join(' ', Enumerable.Range(0, Count).Select(i => "p" + i)) + " ]";
        await using var sampler = new ClosureInvariantSampler(home.CacheDir);
        var first = home.Start();
        await first.WaitForLogAsync("start-up scan", ct);

        var build = NixFixture.BuildExpressionAsync(source, ct);
        await first.WaitUntilAsync(() => Directory.Exists(home.CacheDir) && Directory.GetFiles(home.CacheDir, "*.narinfo").Length >= 40, "40 narinfos before the crash", ct);
        first.Kill();
        await first.DisposeAsync();
        int beforeRestart = Directory.GetFiles(home.CacheDir, "*.narinfo").Length;
        var outputs = await build;
        await using var second = home.Start();

        await second.WaitUntilAsync(() => outputs.All(home.HasNarInfo), $"all {outputs.Count} outputs after the restart", ct);
        Assert.Equal(0, await second.StopAsync(ct));
        sampler.SampleOnce();
        Assert.True(beforeRestart < outputs.Count, "the crash came too late to prove anything");
        Assert.True(sampler.Samples > 10, $"only {sampler.Samples} samples");
        Assert.Empty(sampler.Violations);
        var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, home.PublicKey, Path.Combine(home.Root, "fresh"), [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Run_InotifyOverflow_RescanLosesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Knob = "/proc/sys/fs/inotify/max_queued_events";
        using var home = new DaemonHome();
        string original = (await File.ReadAllTextAsync(Knob, ct)).Trim();
        WatcherDaemon daemon;
        try
        {
            // The limit is taken when the inotify instance is created, so it only needs to be low at start.
            await File.WriteAllTextAsync(Knob, "4", ct);
            daemon = home.Start();
            await daemon.WaitForLogAsync("watching", ct);
        }
        finally
        {
            await File.WriteAllTextAsync(Knob, original, CancellationToken.None);
        }

        await using (daemon)
        {
            await daemon.WaitForLogAsync("start-up scan", ct);
            string nonce = Guid.NewGuid().ToString("N")[..10];
            // One derivation with many outputs releases all their locks together. The daemon is frozen
            // meanwhile, so the kernel's queue of 4 events overflows for certain.
            var outputs = Enumerable.Range(0, 80).Select(i => "o" + i).ToList();
            string script = string.Join("; ", outputs.Select(o => $"echo {o} > ${o}"));
            await daemon.SignalAsync("STOP", ct);
            IReadOnlyList<string> burst;
            try
            {
                burst = await NixFixture.BuildExpressionAsync(
                    $$"""let d = derivation { name = "wt-burst-{{nonce}}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "{{script}}" ]; outputs = [ {{string.Join(' ', outputs.Select(o => $"\"{o}\""))}} ]; }; in [ {{string.Join(' ', outputs.Select(o => "d." + o))}} ]""",
                    ct);
            }
            finally
            {
                await daemon.SignalAsync("CONT", CancellationToken.None);
            }

            await daemon.WaitUntilAsync(() => burst.All(home.HasNarInfo), "the whole burst in the cache", ct);
            Assert.Contains("overflowed", daemon.Log, StringComparison.Ordinal);
            Assert.Equal(0, await daemon.StopAsync(ct));
        }
    }
}
