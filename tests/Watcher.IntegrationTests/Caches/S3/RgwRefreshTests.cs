using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary>
/// Ceph RGW answers a copy of an object onto itself (S3's way to touch it) with 200 but leaves its Last-Modified as
/// it was: an aged narinfo a push relies on is then written again with its own bytes, and that body carries its
/// Content-MD5 like every other; so is a NAR too large to hold in memory, through a temporary file. The objects age by this machine's clock running ten days ahead (libfaketime); the
/// server's refusals of that time make the requests signed with the server's.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class RgwRefreshTests(NixFixture nix, RgwFixture rgw) : IClassFixture<RgwFixture>
{
    [Fact]
    public async Task Push_AgedClosure_TheCopyDoesNotMoveTheTime_NarinfosAreRewrittenEachWithItsContentMd5()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(3, ct);
        string bucket = await rgw.Server.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(rgw.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket, rgw.Server.SecretKey, rgw.Server.AccessKey);
        using var client = rgw.Server.CreateClient();
        (await cache.PushAsync([outputs[^1]], ct)).EnsureSuccess("push");
        var written = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        int first = front.Log.Count;

        var push = await cache.Home.RunAsync(["--config", cache.ConfigFile, "push", outputs[^1]], FakeTime.Shifted(TimeSpan.FromDays(10)), ct);

        Assert.True(push.ExitCode == 0, push.StandardOutput + push.StandardError);
        Assert.Contains(S3TestCache.Summary(0, 3, 0), push.StandardOutput, StringComparison.Ordinal);
        var later = front.Log.Skip(first).ToList();
        var bodies = later.Where(r => r.Method == "PUT" && r.Length > 0).ToList();
        Assert.Equal(3, bodies.Count(r => r.Target.Contains(".narinfo", StringComparison.Ordinal)));
        Assert.All(bodies, r => Assert.True(r.HasContentMd5, $"{r.Method} {r.Target} went out without Content-MD5"));
        var after = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.Equal(written.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Push_AgedNarOverAMebibyteThatANarinfoLost_TheCopyDoesNotMoveIt_ItIsReadAndWrittenBackNotPushedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        string file = Path.Combine(Directory.CreateTempSubdirectory("watcher-rgw-nar-").FullName, "random-3mb.bin");
        await File.WriteAllBytesAsync(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 << 20), ct);
        string path = await NixFixture.AddToStoreAsync(file, ct);
        Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        string bucket = await rgw.Server.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(rgw.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket, rgw.Server.SecretKey, rgw.Server.AccessKey);
        using var client = rgw.Server.CreateClient();
        (await cache.PushAsync([path], ct)).EnsureSuccess("push");
        var (narInfoKey, narInfo) = (await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct)).Single();
        Assert.True(narInfo.FileSize > S3CacheObjectsLimit, $"the NAR is only {narInfo.FileSize} bytes");

        // A gc took the narinfo and left the NAR; ten days later (to this machine's clock) the path is pushed again.
        await client.DeleteObjectAsync(bucket, narInfoKey, ct);
        int first = front.Log.Count;
        var push = await cache.Home.RunAsync(["--config", cache.ConfigFile, "push", path], FakeTime.Shifted(TimeSpan.FromDays(10)), ct);

        Assert.True(push.ExitCode == 0, push.StandardOutput + push.StandardError);
        var later = front.Log.Skip(first).ToList();
        Assert.Contains(later, r => r.Method == "GET" && r.Target.Contains(narInfo.Url, StringComparison.Ordinal));
        var written = Assert.Single(later, r => r.Method == "PUT" && r.Target.Contains(narInfo.Url, StringComparison.Ordinal) && r.Length > 0);
        Assert.True(written.HasContentMd5 && written.Length == narInfo.FileSize, $"{written.Target}: {written.Length} bytes, Content-MD5 {written.HasContentMd5}");

        // Read back by GET: after a copy onto itself and a write, RGW's POSIX driver lists the object with a bogus size
        // (docs/operations.md, "Known server behaviour"); HEAD and GET are right.
        using var response = await client.GetObjectAsync(bucket, narInfoKey, ct);
        using var reader = new StreamReader(response.ResponseStream);
        var again = Watcher.Nix.NarInfo.Parse(await reader.ReadToEndAsync(ct));
        Assert.Contains(again.Signatures, signature => cache.PublicKey.Verify(again.Fingerprint, signature));
        await S3TestCache.VerifyNarHashesAsync(client, bucket, [again], ct);
    }

    /// <summary>The largest object a refresh rewrites in memory; the NAR here is larger.</summary>
    private const long S3CacheObjectsLimit = Watcher.Caches.S3.S3CacheObjects.MaxRewriteBytes;
}
