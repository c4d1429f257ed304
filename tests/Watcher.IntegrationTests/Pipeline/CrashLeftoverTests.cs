using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Watcher.IntegrationTests.Caches.S3;
using Watcher.IntegrationTests.Fixtures;
using static Watcher.IntegrationTests.Pipeline.KilledUploads;

namespace Watcher.IntegrationTests.Pipeline;

/// <summary>
/// SIGKILL in the middle of a large upload leaves a partial file behind (and, for a bucket, a multipart upload); the
/// next start removes the file, resumes the upload it journaled with only the parts missing, and a clean stop leaves no
/// temporary or staged file anywhere.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class CrashLeftoverTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const string NoPartsXml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>0</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated></ListPartsResult>
        """;

    private const string NoSuchUploadXml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>
        """;

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
    public async Task Run_Kill9At70PercentOfASevenPartUpload_NextStartSendsOnlyTheMissingPartsAndTheNarIsIntact()
    {
        var ct = TestContext.Current.CancellationToken;
        string big = await S3TestCache.BigPathAsync(ct);
        string bucket = await s3.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket);

        // 160 MiB in parts of at most 24 MiB: seven parts of 23 MiB, four at a time.
        var (config, state, tmp, environment) = DaemonOn(cache, big, "part-size-mb = 24");

        // Parts 6 and 7 are held, so the kill comes with five parts sent (70 %) whatever the speed of the loopback.
        long nar = 160L << 20;
        await KillOnceSentAsync(front, config, environment, 6, 5 * (23L << 20), ct);
        var staged = StagedFiles(state).Select(f => (Name: Path.GetFileName(f), new FileInfo(f).Length)).ToList();
        var killedParts = PartPuts(front.Log).ToList();
        int requestsBeforeRestart = front.Log.Count;

        await using var second = WatcherDaemon.Start(config, environment);
        await second.WaitForLogAsync($"pushed {big} to bucket", ct);
        Assert.Equal(0, await second.StopAsync(ct));

        // The upload the killed run had open goes on under its id: no new upload, nothing aborted, and only the parts
        // the journal did not have go up again (s3rver cannot list parts, so the journal is all there is to go by).
        var after = front.Log.Skip(requestsBeforeRestart).ToList();
        string? killedUpload = Assert.Single(killedParts.Select(p => p.UploadId).Distinct());
        Assert.NotNull(killedUpload);
        var match = Assert.Single(Regex.Matches(second.Log, "resuming the multipart upload of nar/[0-9a-z]+\\.nar\\.zst that an interrupted run left: ([0-9]+) of 7 parts").ToList());
        int kept = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var resent = PartPuts(after).ToList();
        Assert.True(kept >= 1, $"no part of 7 was kept at 70 %:\n{second.Log}");
        Assert.Equal(7 - kept, resent.Select(p => p.Number).Distinct().Count());
        Assert.All(resent, p => Assert.Equal(killedUpload, p.UploadId));
        Assert.Equal(Enumerable.Range(1, 7), killedParts.Select(p => p.Number).Concat(resent.Select(p => p.Number)).Distinct().Order());
        Assert.DoesNotContain(after, r => r.Method == "POST" && r.Target.Contains("?uploads", StringComparison.Ordinal));
        Assert.DoesNotContain(after, r => r.Method == "DELETE");
        Assert.True(front.ForwardedBytes < nar * 2, $"{front.ForwardedBytes} bytes sent for a NAR of {nar}");
        Assert.Contains("to resume when " + big + " is pushed", second.Log, StringComparison.Ordinal);
        Assert.Contains(staged, f => f.Name.StartsWith(Path.GetFileName(big)[..32], StringComparison.Ordinal) && f.Length > 100_000_000);
        Assert.Empty(StagedFiles(state));
        Assert.Empty(Directory.GetFiles(tmp, "*.nar", SearchOption.AllDirectories));
        using var client = s3.Server.CreateClient();
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.Contains(narInfos.Values, n => n.StorePath.FullPath == big);
        var verify = await cache.Home.RunAsync(["--config", cache.ConfigFile, "verify", "--deep"], ct);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
    }

    [Fact]
    public async Task Run_Kill9MidUploadThenThePathIsGone_NextStartAbortsTheJournaledUpload()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var killed = await KillMidUploadAsync(ct);
        var (front, cache, path, config, environment, killedUpload) = killed;
        var deleted = await ProcessRunner.RunAsync("nix-store", ["--delete", path], cancellationToken: ct);
        Assert.True(deleted.ExitCode == 0, deleted.StandardError);
        int requestsBeforeRestart = front.Log.Count;

        await using var second = WatcherDaemon.Start(config, environment);
        await second.WaitUntilAsync(() => front.Log.Skip(requestsBeforeRestart).Any(r => r.Method == "DELETE"), "the abort of the killed upload", ct);
        Assert.Equal(0, await second.StopAsync(ct));

        var after = front.Log.Skip(requestsBeforeRestart).ToList();
        Assert.Contains(after, r => r.Method == "DELETE" && UploadId(r.Target) == killedUpload);
        Assert.DoesNotContain(PartPuts(after), p => p.UploadId == killedUpload);
        Assert.Contains("that an interrupted run left behind", second.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("resuming the multipart upload", second.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, 9)]
    [InlineData(true, 6)]
    public async Task Run_Kill9MidUploadThenTheSettingsChange_TheOldUploadIsAbortedAndTheNewOneGoesUpWhole(bool partSizeChanged, int parts)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var killed = await KillMidUploadAsync(ct);
        var (front, cache, path, config, environment, killedUpload) = killed;

        // Compression off: the same path stages as another NAR under another key, the old upload's parts are of nothing.
        // Parts of 8 MiB: the same NAR, planned otherwise, so the parts noted are not the ones to send.
        File.WriteAllText(config, partSizeChanged
            ? File.ReadAllText(config).Replace("part-size-mb = 5", "part-size-mb = 8", StringComparison.Ordinal)
            : File.ReadAllText(config) + "compression = \"none\"\n");
        int requestsBeforeRestart = front.Log.Count;

        await using var second = WatcherDaemon.Start(config, environment);
        await second.WaitForLogAsync($"pushed {path} to bucket", ct);
        Assert.Equal(0, await second.StopAsync(ct));

        var after = front.Log.Skip(requestsBeforeRestart).ToList();
        Assert.Contains(after, r => r.Method == "DELETE" && UploadId(r.Target) == killedUpload);
        var resent = PartPuts(after).ToList();
        Assert.DoesNotContain(resent, p => p.UploadId == killedUpload);
        Assert.Equal(Enumerable.Range(1, parts), resent.Select(p => p.Number).Distinct().Order());
        Assert.Contains("to resume when " + path + " is pushed", second.Log, StringComparison.Ordinal);
        var verify = await cache.Home.RunAsync(["--config", cache.ConfigFile, "verify", "--deep"], ct);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_Kill9MidUploadAndTheServerListsNoParts_EveryPartIsSentAgain(bool uploadGone)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var killed = await KillMidUploadAsync(ct);
        var (front, cache, path, config, environment, killedUpload) = killed;
        int requestsBeforeRestart = front.Log.Count;

        // ListParts, which s3rver lacks, answered by the front: the upload has no parts, or the server no longer knows it.
        front.Answer = async context =>
        {
            if (context.Request.Method != "GET" || !context.Request.Query.ContainsKey("uploadId"))
            {
                return false;
            }

            context.Response.StatusCode = uploadGone ? 404 : 200;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(uploadGone ? NoSuchUploadXml : NoPartsXml, context.RequestAborted);
            return true;
        };
        await using var second = WatcherDaemon.Start(config, environment);
        await second.WaitForLogAsync($"pushed {path} to bucket", ct);
        Assert.Equal(0, await second.StopAsync(ct));

        var after = front.Log.Skip(requestsBeforeRestart).ToList();
        Assert.Contains(after, r => r.Method == "GET" && UploadId(r.Target) == killedUpload);
        var resent = PartPuts(after).ToList();
        int parts = resent.Select(p => p.Number).Distinct().Count();
        Assert.True(parts >= 8, $"{parts} parts sent for a NAR of 40 MiB in parts of 5 MiB");
        Assert.Equal(Enumerable.Range(1, parts), resent.Select(p => p.Number).Distinct().Order());
        Assert.All(resent, p => Assert.Equal(!uploadGone, p.UploadId == killedUpload));
        Assert.Equal(!uploadGone, second.Log.Contains($"0 of {parts} parts are on the server already", StringComparison.Ordinal));
        var verify = await cache.Home.RunAsync(["--config", cache.ConfigFile, "verify", "--deep"], ct);
        Assert.True(verify.ExitCode == 0, verify.StandardOutput + verify.StandardError);
    }

    /// <summary>
    /// Starts a daemon pushing a new 40 MiB path in parts of 5 MiB, four at a time, and kills it once parts 1 to 4 went
    /// through the front and part 5 is held there (so one of them at least was answered).
    /// </summary>
    private async Task<KilledUpload> KillMidUploadAsync(CancellationToken cancellationToken)
    {
        string path = await RandomPathAsync(40, cancellationToken);
        var front = await S3Front.StartAsync(s3.Server.Endpoint, long.MaxValue, secretKey: null, cancellationToken);
        var cache = new S3TestCache(front.Endpoint, await s3.NewBucketAsync(cancellationToken));
        var (config, _, _, environment) = DaemonOn(cache, path, "part-size-mb = 5");
        await KillOnceSentAsync(front, config, environment, 5, 20L << 20, cancellationToken);
        return new KilledUpload(front, cache, path, config, environment, Assert.Single(PartPuts(front.Log).Select(p => p.UploadId).Distinct()));
    }

    private static List<string> TempFiles(string cacheDir) => Directory.Exists(cacheDir)
        ? Directory.EnumerateFiles(cacheDir, ".*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f).Contains("tmp", StringComparison.Ordinal)).ToList()
        : [];

    /// <summary>What <see cref="KillMidUploadAsync"/> left: the front and bucket, the path, the daemon's setup and the upload's id.</summary>
    private sealed record KilledUpload(S3Front Front, S3TestCache Cache, string Path, string Config, IDictionary<string, string?> Environment, string? UploadId) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Cache.Dispose();
            await Front.DisposeAsync();
        }
    }
}
