using Microsoft.AspNetCore.Http;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Maintenance;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// SIGINT and SIGTERM sent to <c>verify</c> and <c>gc</c> while a bucket's front holds one of their requests: one line,
/// the signal's exit code, no stack trace, and every closure left in the bucket whole.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class InterruptMaintenanceTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Theory]
    [InlineData("verify", "INT", "list")]
    [InlineData("verify", "TERM", "read")]
    [InlineData("gc", "INT", "delete")]
    [InlineData("gc", "TERM", "delete")]
    [InlineData("gc", "INT", "list")]
    public async Task Maintenance_SignalWhileARequestIsHeld_StopsInOrderAndLeavesEveryClosureWhole(string command, string signal, string moment)
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket);
        var paths = await StoreGraph.BuildAsync(GcCommandTests.Graph, ct);
        (await cache.PushAsync([paths["old"]], ct)).EnsureSuccess("push old");
        StoreGraph.Age(Path.Combine(s3.Server.Directory, bucket), TimeSpan.FromDays(30));
        (await cache.PushAsync([paths["fresh"]], ct)).EnsureSuccess("push fresh");
        var hold = FrontHold.On(front, moment switch
        {
            "list" => r => HttpMethods.IsGet(r.Method) && r.QueryString.Value!.Contains("list-type", StringComparison.Ordinal),
            "read" => r => HttpMethods.IsGet(r.Method) && r.Path.Value!.EndsWith(".narinfo", StringComparison.Ordinal),
            _ => r => HttpMethods.IsDelete(r.Method),
        });
        string[] arguments = command == "verify"
            ? ["--config", cache.ConfigFile, "verify"]
            : ["--config", cache.ConfigFile, "gc", "--keep-days", "2", "--grace", "1h"];

        await using var process = WatcherDaemon.StartCommand(arguments, cache.Home.Environment);
        await hold.ArrivedAsync(process, ct);
        await process.SignalAsync(signal, ct);
        int exitCode = await process.WaitForExitAsync(ct);

        InterruptTests.AssertStopped(process, exitCode, signal, $"interrupted: 0 of 1 cache {(command == "verify" ? "verified" : "collected")}");
        using var client = s3.Server.CreateClient();
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        foreach (var narInfo in narInfos.Values)
        {
            Assert.All(narInfo.References.Where(r => r != narInfo.StorePath), r => Assert.Contains(r.HashPart + ".narinfo", narInfos.Keys));
        }

        Assert.Contains(Path.GetFileName(paths["fresh"])[..32] + ".narinfo", narInfos.Keys);
    }
}
