using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary>
/// Watcher against Ceph's RADOS Gateway (from the sid root, standalone): a real S3 server that refuses a body whose
/// Content-MD5 or x-amz-content-sha256 does not match and any request not signed exactly by SigV4. Multipart is not
/// tested here: the standalone drivers store wrong bytes for multipart objects (dbstore) or crash on their parts
/// (POSIX); <see cref="MotoTests"/> covers multipart.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class RgwTests(NixFixture nix, RgwFixture rgw) : IClassFixture<RgwFixture>
{
    [Fact]
    public async Task Push_Closure_RgwAcceptsEveryBodyAndSignature_RealNixSubstitutesOverHttp()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(6, ct);
        using var cache = await rgw.NewCacheAsync(ct);
        using var client = rgw.Server.CreateClient();

        var push = await cache.PushAsync([outputs[^1]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Contains(S3TestCache.Summary(6, 0, 0), push.StandardOutput, StringComparison.Ordinal);
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, cache.Bucket, cache.PublicKey, ct);
        await S3TestCache.VerifyNarHashesAsync(client, cache.Bucket, narInfos.Values, ct);
        await AssertNixSubstitutesAsync(cache, cache.PublicKey.ToString(), outputs, ct);
    }

    [Fact]
    public async Task Push_TwoHostsSameClosureOtherBytesAtOnce_NoNarLeftOverAndNixTrustingBothKeysSubstitutes()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(12, ct);
        using var fleet = await S3Fleet.CreateAsync(rgw.Server, ct);

        await fleet.PushAndVerifyAsync(rgw.Server, outputs, ct);

        await AssertNixSubstitutesAsync(fleet.Zstd, string.Join(' ', fleet.PublicKeys), outputs, ct);
    }

    [Fact]
    public async Task Push_AnotherHostPublishesBetweenLookupAndPublish_RgwAnswers412TheirsStaysAndOurNarIsDeleted()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(1, ct);
        using var fleet = await S3Fleet.CreateAsync(rgw.Server, ct);
        await using var front = await S3Front.StartAsync(rgw.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var late = new S3TestCache(front.Endpoint, fleet.Zstd.Bucket, rgw.Server.SecretKey, rgw.Server.AccessKey, fleet.Zstd.KeyFileText);

        // Just as this host's narinfo goes up, the other host (other compression, other key) publishes the path. Every
        // attempt of this host's narinfo waits for that: the other push takes longer than the hedge delay, after which a
        // second attempt of the same PUT goes out.
        var other = new Lazy<Task>(async () =>
        {
            var pushed = await fleet.Plain.PushAsync([outputs[0]], ct);
            Assert.True(pushed.ExitCode == 0, pushed.StandardError + pushed.StandardOutput);
        });
        front.Answer = async context =>
        {
            if (context.Request.Method == "PUT" && context.Request.Path.Value?.EndsWith(".narinfo", StringComparison.Ordinal) == true)
            {
                await other.Value;
            }

            return false;
        };
        var push = await late.PushAsync([outputs[0]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Contains(S3TestCache.Summary(0, 1, 0), push.StandardOutput, StringComparison.Ordinal);
        using var client = rgw.Server.CreateClient();
        var narInfo = Assert.Single((await S3TestCache.VerifyNarInfosAsync(client, fleet.Zstd.Bucket, fleet.Plain.PublicKey, ct)).Values);
        Assert.Equal("none", narInfo.Compression);
        Assert.Equal([narInfo.Url], (await S3TestCache.ListAsync(client, fleet.Zstd.Bucket, ct)).Keys.Where(k => k.StartsWith("nar/", StringComparison.Ordinal)));

        // check writes nothing, so it can only say what a write will show.
        var check = await late.Home.RunAsync(["--config", late.ConfigFile, "check", "-v"], ct);
        Assert.Contains(": conditional writes: writes carry If-None-Match: *; whether the server honours it shows at the first write", check.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_BodiesDamagedOnTheWay_RgwRefusesEachAndWatcherSendsItAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(8, ct);
        string bucket = await rgw.Server.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(rgw.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        front.InjectFaults(new S3Faults(SlowDown: 0, Reset: 0, StallEvery: 0, Stall: TimeSpan.Zero, Seed: 23) { FlipShare = 0.3 });
        using var cache = new S3TestCache(front.Endpoint, bucket, rgw.Server.SecretKey, rgw.Server.AccessKey);
        File.AppendAllText(cache.ConfigFile, "\n[caches.bucket.retry]\nbase-delay-ms = 10\nattempts = 20\n");
        using var client = rgw.Server.CreateClient();

        var push = await cache.PushAsync([outputs[^1]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.True(front.Injected > 0, "no body was damaged");
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        Assert.Equal(8, narInfos.Count);
        await S3TestCache.VerifyNarHashesAsync(client, bucket, narInfos.Values, ct);
    }

    [Fact]
    public async Task Check_WrongSecret_RgwRefusesTheSignatureAndCheckSaysSo()
    {
        var ct = TestContext.Current.CancellationToken;
        string bucket = await rgw.Server.NewBucketAsync(ct);
        const string Secret = "not-the-rgw-secret-77d1";
        using var cache = new S3TestCache(rgw.Server.Endpoint, bucket, Secret, rgw.Server.AccessKey);

        var check = await cache.Home.RunAsync(["--config", cache.ConfigFile, "check"], ct);

        Assert.True(check.ExitCode == 1, check.StandardOutput + check.StandardError);
        Assert.Contains("credentials were rejected (SignatureDoesNotMatch)", check.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, check.StandardOutput + check.StandardError, StringComparison.Ordinal);
    }

    /// <summary>
    /// A NAR of 160 MB goes up as one PUT (its Content-MD5 checked by the server) when the part size allows it: the way
    /// large NARs are tested against RGW, whose standalone multipart objects cannot be trusted.
    /// </summary>
    [Fact]
    public async Task Push_LargePathAsOnePut_RgwChecksItsMd5_NoMultipartUploadIsStarted()
    {
        var ct = TestContext.Current.CancellationToken;
        string big = await S3TestCache.BigPathAsync(ct);
        string bucket = await rgw.Server.NewBucketAsync(ct);
        await using var front = await S3Front.StartAsync(rgw.Server.Endpoint, long.MaxValue, secretKey: null, ct);
        using var cache = new S3TestCache(front.Endpoint, bucket, rgw.Server.SecretKey, rgw.Server.AccessKey);
        File.AppendAllText(cache.ConfigFile, "\npart-size-mb = 1024\n");
        using var client = rgw.Server.CreateClient();

        var push = await cache.PushAsync([big], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.DoesNotContain(front.Log, r => r.Target.Contains("uploads", StringComparison.Ordinal) || r.Target.Contains("uploadId=", StringComparison.Ordinal));
        Assert.True(front.LargestBody > 150_000_000, $"the largest body was {front.LargestBody} bytes");
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, bucket, cache.PublicKey, ct);
        await S3TestCache.VerifyNarHashesAsync(client, bucket, narInfos.Values, ct);
    }

    /// <summary>Real Nix, trusting <paramref name="publicKeys"/>, substitutes the chain <paramref name="outputs"/> from the bucket into a fresh store, byte for byte.</summary>
    private async Task AssertNixSubstitutesAsync(S3TestCache cache, string publicKeys, IReadOnlyList<string> outputs, CancellationToken cancellationToken)
    {
        string store = Path.Combine(cache.Home.Root, "fresh");
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(rgw.Server.Endpoint), publicKeys, store, [outputs[^1]], cancellationToken);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        foreach (string output in outputs)
        {
            Assert.Equal(await NixVerifier.NarHashAsync(output, null, cancellationToken), await NixVerifier.NarHashAsync(output, store, cancellationToken));
        }
    }
}
