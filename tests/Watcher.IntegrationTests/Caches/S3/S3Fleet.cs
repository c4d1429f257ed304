using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary>
/// The fleet case: two hosts with their own signing keys and other compression (so other bytes and other NAR keys for
/// the same paths) push the same closure into one bucket at the same time.
/// </summary>
internal sealed class S3Fleet : IDisposable
{
    private S3Fleet(S3TestCache zstd, S3TestCache plain)
    {
        Zstd = zstd;
        Plain = plain;
    }

    public S3TestCache Zstd { get; }

    public S3TestCache Plain { get; }

    public IReadOnlyList<NixPublicKey> PublicKeys => [Zstd.PublicKey, Plain.PublicKey];

    public static async Task<S3Fleet> CreateAsync(SidS3Server server, CancellationToken cancellationToken)
    {
        string bucket = await server.NewBucketAsync(cancellationToken);
        var zstd = new S3TestCache(server.Endpoint, bucket, server.SecretKey, server.AccessKey);
        // Another key name too: Nix trusts one key per name.
        var (key, keyFileText) = NixSecretKey.Generate("s3-fleet-2");
        key.Dispose();
        var plain = new S3TestCache(server.Endpoint, bucket, server.SecretKey, server.AccessKey, keyFileText);
        File.AppendAllText(plain.ConfigFile, "\ncompression = \"none\"\n");
        return new S3Fleet(zstd, plain);
    }

    /// <summary>
    /// Pushes <paramref name="closure"/> (a chain: its last path refers to the others) from both hosts at once and checks the bucket: both pushes succeed, each path was
    /// published by exactly one of them (the other found it present), every narinfo names an intact NAR, and no NAR is
    /// left that no narinfo names. Returns the narinfos.
    /// </summary>
    public async Task<IReadOnlyCollection<NarInfo>> PushAndVerifyAsync(SidS3Server server, IReadOnlyList<string> closure, CancellationToken cancellationToken)
    {
        var pushes = await Task.WhenAll(Zstd.PushAsync([closure[^1]], cancellationToken), Plain.PushAsync([closure[^1]], cancellationToken));
        string outputs = string.Join("\n---\n", pushes.Select(p => p.StandardOutput + p.StandardError));
        Assert.True(pushes.All(p => p.ExitCode == 0), outputs);

        // Each path is pushed by one host and present for the other: a host whose narinfo lost the race says present.
        int pushed = pushes.Sum(p => PushedCount(p.StandardOutput));
        Assert.True(pushed == closure.Count, $"{pushed} pushed for {closure.Count} paths:\n{outputs}");

        using var client = server.CreateClient();
        var narInfos = await S3TestCache.VerifyNarInfosAsync(client, Zstd.Bucket, PublicKeys, cancellationToken);
        Assert.Equal(closure.Count, narInfos.Count);
        await S3TestCache.VerifyNarHashesAsync(client, Zstd.Bucket, narInfos.Values, cancellationToken);
        var named = narInfos.Values.Select(n => n.Url).ToHashSet(StringComparer.Ordinal);
        var orphans = (await S3TestCache.ListAsync(client, Zstd.Bucket, cancellationToken)).Keys
            .Where(k => k.StartsWith("nar/", StringComparison.Ordinal) && !named.Contains(k)).ToList();
        Assert.True(orphans.Count == 0, $"{orphans.Count} NARs no narinfo names: {string.Join(", ", orphans)}\n{outputs}");
        return narInfos.Values;
    }

    public void Dispose()
    {
        Zstd.Dispose();
        Plain.Dispose();
    }

    private static int PushedCount(string output)
    {
        var match = System.Text.RegularExpressions.Regex.Match(output, @"bucket: (\d+) pushed");
        Assert.True(match.Success, output);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
