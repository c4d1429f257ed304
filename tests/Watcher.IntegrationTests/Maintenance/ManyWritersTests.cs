using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Maintenance;

/// <summary>
/// Two <c>nix-watcher run</c> daemons with their own state push every new build into one bucket while <c>gc</c> runs
/// in a loop with the smallest settings it allows. Some builds refer to a path of an aged closure: the writers refresh
/// the aged paths they rely on (or push again one a gc took first), so what gc deletes is only the part of the aged
/// closure nobody uses, and afterwards the bucket verifies clean and real Nix substitutes every surviving narinfo's closure.
/// Both daemons race for every build; which one wins a path depends on the machine's load, so each round also builds
/// one path per daemon that the other excludes, and each daemon is known to have written.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class ManyWritersTests(NixFixture nix, S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const int Rounds = 5;

    [Fact]
    public async Task Gc_InALoopWhileTwoDaemonsPush_DeletesOnlyTheAgedClosureAndLeavesEveryClosureWhole()
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await s3.NewBucketAsync(ct);
        using var first = new S3TestCache(s3.Server.Endpoint, bucket);
        using var second = new S3TestCache(s3.Server.Endpoint, bucket, keyFileText: first.KeyFileText);
        var aged = await nix.BuildChainAsync(4, ct);
        (await first.PushAsync([aged[^1]], ct)).EnsureSuccess("push the aged closure");
        StoreGraph.Age(Path.Combine(s3.Server.Directory, bucket), TimeSpan.FromDays(30));
        await using var daemonA = first.StartDaemon(metrics: false, watchKeys: "exclude = [\"^only-b-\"]");
        await using var daemonB = second.StartDaemon(metrics: false, watchKeys: "exclude = [\"^only-a-\"]");
        await daemonA.WaitForLogAsync("start-up scan", ct);
        await daemonB.WaitForLogAsync("start-up scan", ct);
        using var client = s3.Server.CreateClient();

        // aged[1] refers to aged[0]; aged[2] and aged[3] are what nobody relies on.
        var reliedOn = aged.Take(2).ToHashSet(StringComparer.Ordinal);
        var built = new List<string> { await StoreGraph.BuildReferringAsync([aged[1]], ct) };
        await daemonA.WaitUntilAsync(() => S3TestCache.ListAsync(client, bucket, ct).GetAwaiter().GetResult().ContainsKey(Key(built[0])), "the first build on the aged closure", ct);

        using var stopGc = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var gcRuns = new List<ProcessResult>();
        var gcLoop = Task.Run(async () =>
        {
            while (!stopGc.IsCancellationRequested)
            {
                gcRuns.Add(await first.Home.RunAsync(["--config", first.ConfigFile, "gc", "--keep-days", "2", "--grace", "1h"], ct));
            }
        }, ct);
        for (int round = 0; round < Rounds; round++)
        {
            built.AddRange(await nix.BuildChainAsync(6, ct));
            built.Add(await StoreGraph.BuildReferringAsync([aged[1]], ct));
            built.AddRange(await BuildOneForEachAsync(ct));
        }

        var wanted = built.Select(Key).ToHashSet(StringComparer.Ordinal);
        await daemonA.WaitUntilAsync(
            () => wanted.IsSubsetOf(S3TestCache.ListAsync(client, bucket, ct).GetAwaiter().GetResult().Keys),
            $"{wanted.Count} narinfos in the bucket",
            ct);
        Assert.Equal(0, await daemonA.StopAsync(ct));
        Assert.Equal(0, await daemonB.StopAsync(ct));
        await stopGc.CancelAsync();
        await gcLoop;
        gcRuns.Add(await first.Home.RunAsync(["--config", first.ConfigFile, "gc", "--keep-days", "2", "--grace", "1h"], ct));

        Assert.Matches(PushedOnly("a"), daemonA.Log);
        Assert.Matches(PushedOnly("b"), daemonB.Log);
        Assert.DoesNotMatch(PushedOnly("b"), daemonA.Log);
        Assert.DoesNotMatch(PushedOnly("a"), daemonB.Log);
        Assert.Contains("bucket: refreshed 2 narinfos older than a day", daemonA.Log + daemonB.Log, StringComparison.Ordinal);
        Assert.True(gcRuns.Count >= 3, $"gc ran only {gcRuns.Count} times");
        Assert.All(gcRuns, r => Assert.True(r.ExitCode == 0, r.StandardError + r.StandardOutput));
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, first.PublicKey, ct);
        Assert.Subset(narInfos.Keys.ToHashSet(StringComparer.Ordinal), wanted);
        Assert.Subset(narInfos.Values.Select(n => n.StorePath.FullPath).ToHashSet(StringComparer.Ordinal), reliedOn);
        Assert.DoesNotContain(narInfos.Values, n => aged.Contains(n.StorePath.FullPath) && !reliedOn.Contains(n.StorePath.FullPath));
        var verify = await first.Home.RunAsync(["--config", first.ConfigFile, "verify", "--deep"], ct);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
        string store = Path.Combine(first.Home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync(first.HttpUrl(s3.Server.Endpoint), first.PublicKey.ToString(), store, narInfos.Values.Select(n => n.StorePath.FullPath), ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    /// <summary>Builds two unrelated paths, <c>only-a-…</c> (daemon B excludes it) and <c>only-b-…</c> (daemon A excludes it).</summary>
    private static Task<IReadOnlyList<string>> BuildOneForEachAsync(CancellationToken cancellationToken)
    {
        string nonce = Guid.NewGuid().ToString("N")[..12];
        string Mk(string name) => $"derivation {{ name = \"{name}-{nonce}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; "
            + $"args = [ \"-c\" \"echo {name}-{nonce} > $out\" ]; }}";
        return NixFixture.BuildExpressionAsync($"[ ({Mk("only-a")}) ({Mk("only-b")}) ]", cancellationToken);
    }

    private static string PushedOnly(string daemon) => $"pushed /nix/store/[0-9a-z]{{32}}-only-{daemon}-";

    private static string Key(string storePath) => StorePath.Parse(storePath).HashPart + ".narinfo";
}
