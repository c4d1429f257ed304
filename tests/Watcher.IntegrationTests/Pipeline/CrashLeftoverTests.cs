using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Upload.S3;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>
/// SIGKILL in the middle of a large upload leaves a partial file behind (and, for a bucket, a multipart upload); the
/// next start removes the file, aborts the upload it journaled, pushes the path, and a clean stop leaves no temporary
/// or staged file anywhere.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class CrashLeftoverTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task Run_Kill9WhileWritingALargeNarToAFileCache_NextStartRemovesTheTempFileAndPushesThePath()
    {
        var ct = TestContext.Current.CancellationToken;
        string big = await S3TestCache.BigPathAsync(ct);
        using var home = new DaemonHome(scan: "roots");

        // zstd's slowest level makes the write of 160 MB take long enough to be caught in the middle.
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile)
            .Replace("roots = []", $"roots = [\"{big}\"]", StringComparison.Ordinal)
            .Replace("signing-key-file", "compression-level = 19\nsigning-key-file", StringComparison.Ordinal));
        var first = home.Start();
        await first.WaitUntilAsync(() => TempFiles(home.CacheDir).Any(f => new FileInfo(f).Length > 1 << 20), "a temporary NAR over 1 MiB", ct);
        first.Kill();
        await first.DisposeAsync();
        var left = TempFiles(home.CacheDir);
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile).Replace("compression-level = 19", "compression-level = 3", StringComparison.Ordinal));

        await using var second = home.Start();
        await second.WaitUntilAsync(() => home.HasNarInfo(big), "the large path in the cache after the restart", ct);
        Assert.Equal(0, await second.StopAsync(ct));

        Assert.NotEmpty(left);
        Assert.Matches(@"removed [1-9][0-9]* temporary files \([0-9]+ bytes\) that interrupted uploads left in cache local", second.Log);
        Assert.Empty(TempFiles(home.CacheDir));
        var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, home.PublicKey, Path.Combine(home.Root, "fresh"), [big], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task Run_Kill9MidUploadToABucket_NextStartAbortsTheJournaledUploadAndRemovesTheStagedNar()
    {
        var ct = TestContext.Current.CancellationToken;
        string big = await S3TestCache.BigPathAsync(ct);
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket);
        string state = Path.Combine(cache.Home.Root, "state");
        string tmp = Directory.CreateDirectory(Path.Combine(cache.Home.Root, "tmp")).FullName;
        string config = Path.Combine(cache.Home.Root, "daemon.toml");
        File.WriteAllText(config, $"""
            state-dir = "{state}"
            [watch]
            scan = "roots"
            roots = ["{big}"]
            [metrics]
            listen = ""

            """ + File.ReadAllText(cache.ConfigFile));
        var environment = cache.Home.Environment;
        environment["TMPDIR"] = tmp;

        var first = WatcherDaemon.Start(config, environment);
        await first.WaitUntilAsync(() => front.ForwardedBytes > 20_000_000, "20 MB of the NAR sent to the bucket", ct);
        first.Kill();
        await first.DisposeAsync();
        var staged = StagedFiles(state).Select(f => (Name: Path.GetFileName(f), new FileInfo(f).Length)).ToList();
        var killedUploads = front.Log.Where(r => r.Method == "PUT" && r.Target.Contains("partNumber=", StringComparison.Ordinal))
            .Select(r => UploadId(r.Target)).Distinct().ToList();
        int requestsBeforeRestart = front.Log.Count;

        await using var second = WatcherDaemon.Start(config, environment);
        await second.WaitForLogAsync($"pushed {big} to bucket", ct);
        Assert.Equal(0, await second.StopAsync(ct));

        // The upload the killed run had open is aborted by id (s3rver answers 405, which is why the front is asked).
        string? killedUpload = Assert.Single(killedUploads);
        Assert.NotNull(killedUpload);
        Assert.Contains(front.Log.Skip(requestsBeforeRestart), r => r.Method == "DELETE" && UploadId(r.Target) == killedUpload);
        Assert.Contains("that an interrupted run left behind", second.Log, StringComparison.Ordinal);
        Assert.Contains(staged, f => f.Name.StartsWith(Path.GetFileName(big)[..32], StringComparison.Ordinal) && f.Length > 100_000_000);
        Assert.Matches(@"removed [1-9][0-9]* staged NARs \([0-9]+ bytes\) that an interrupted run left in ", second.Log);
        Assert.Empty(StagedFiles(state));
        Assert.Empty(Directory.GetFiles(tmp, "*.nar", SearchOption.AllDirectories));
        using var client = s3.Server.CreateClient();
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.Contains(narInfos.Values, n => n.StorePath.FullPath == big);
    }

    private static List<string> TempFiles(string cacheDir) => Directory.Exists(cacheDir)
        ? Directory.EnumerateFiles(cacheDir, ".*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f).Contains("tmp", StringComparison.Ordinal)).ToList()
        : [];

    private static string? UploadId(string target)
    {
        int query = target.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? null : System.Web.HttpUtility.ParseQueryString(target[(query + 1)..])["uploadId"];
    }

    private static List<string> StagedFiles(string stateDir)
    {
        string staging = Path.Combine(stateDir, "staging");
        return Directory.Exists(staging) ? [.. Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories)] : [];
    }
}
