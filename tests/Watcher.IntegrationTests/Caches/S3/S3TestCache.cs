using System.Globalization;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary>
/// A throwaway home set up to push to one S3 bucket: a signing key, <c>~/.aws/credentials</c> with a
/// <c>test</c> profile, and a config file with one <c>s3</c> cache named <c>bucket</c>.
/// </summary>
internal sealed class S3TestCache : IDisposable
{
    private static readonly SemaphoreSlim BigPathLock = new(1);
    private static string? _bigPath;

    private readonly NixSecretKey _key;

    public S3TestCache(Uri endpoint, string bucket, string secretKey = S3rver.SecretKey, string accessKey = S3rver.AccessKey, string? keyFileText = null)
    {
        Bucket = bucket;
        Endpoint = endpoint;
        Home = new WatcherHome();
        if (keyFileText is null)
        {
            (_key, keyFileText) = NixSecretKey.Generate("s3-test-1");
        }
        else
        {
            _key = NixSecretKey.Parse(keyFileText);
        }

        KeyFileText = keyFileText;
        string keyFile = Path.Combine(Home.Root, "signing.key");
        File.WriteAllText(keyFile, keyFileText);
        Directory.CreateDirectory(Path.Combine(Home.Root, ".aws"));
        File.WriteAllText(Path.Combine(Home.Root, ".aws", "credentials"), $"[test]\naws_access_key_id = {accessKey}\naws_secret_access_key = {secretKey}\n");
        ConfigFile = Path.Combine(Home.Root, "config.toml");
        File.WriteAllText(ConfigFile, $"""
            [caches.bucket]
            type = "s3"
            bucket = "{bucket}"
            endpoint = "{endpoint.ToString().TrimEnd('/')}"
            region = "us-east-1"
            profile = "test"
            signing-key-file = "{keyFile}"
            """);
    }

    public WatcherHome Home { get; }

    /// <summary>
    /// Turns the push config into a daemon config (state in this home, no start-up scan, metrics on a free port or
    /// off) and starts <c>nix-watcher run</c> with it.
    /// </summary>
    /// <param name="tables">More top-level tables.</param>
    /// <param name="cacheKeys">More keys of the cache.</param>
    /// <param name="watchKeys">More keys of the <c>watch</c> table.</param>
    /// <param name="metrics">Whether the daemon serves metrics (on a free port).</param>
    /// <param name="environment">More environment variables for the daemon.</param>
    public WatcherDaemon StartDaemon(string tables = "", string cacheKeys = "", bool metrics = true, IDictionary<string, string?>? environment = null, string watchKeys = "")
    {
        string header = $"""
            state-dir = "{Home.Root}/state"
            [watch]
            scan = "none"
            roots = []
            {watchKeys}
            [metrics]
            listen = "{(metrics ? "127.0.0.1:0" : string.Empty)}"
            {tables}

            """;
        File.WriteAllText(ConfigFile, header + File.ReadAllText(ConfigFile) + "\n" + cacheKeys + "\n");
        var variables = Home.Environment;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        return WatcherDaemon.Start(ConfigFile, variables);
    }

    public string Bucket { get; }

    public Uri Endpoint { get; }

    public string ConfigFile { get; }

    public string KeyFileText { get; }

    public NixPublicKey PublicKey => _key.PublicKey;

    /// <summary>The bucket's URL as an HTTP binary cache (Debian's Nix 2.8 has no s3:// store).</summary>
    public string HttpUrl(Uri server) => $"{server.ToString().TrimEnd('/')}/{Bucket}";

    /// <summary>Runs <c>nix-watcher --config … push PATH…</c>.</summary>
    public Task<ProcessResult> PushAsync(IEnumerable<string> paths, CancellationToken cancellationToken) =>
        Home.RunAsync(["--config", ConfigFile, "push", .. paths], cancellationToken);

    /// <summary>
    /// A store path with 160 MB of random (incompressible) bytes, made once per test run and shared: each
    /// test pushes it to its own bucket.
    /// </summary>
    public static async Task<string> BigPathAsync(CancellationToken cancellationToken)
    {
        await BigPathLock.WaitAsync(cancellationToken);
        try
        {
            if (_bigPath is null)
            {
                string dir = Directory.CreateTempSubdirectory("watcher-big-").FullName;
                string file = Path.Combine(dir, "random-160mb.bin");
                try
                {
                    await using (var stream = File.Create(file))
                    {
                        var buffer = new byte[1 << 20];
                        for (int i = 0; i < 160; i++)
                        {
                            RandomNumberGenerator.Fill(buffer);
                            await stream.WriteAsync(buffer, cancellationToken);
                        }
                    }

                    _bigPath = await NixFixture.AddToStoreAsync(file, cancellationToken);
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            }

            return _bigPath;
        }
        finally
        {
            BigPathLock.Release();
        }
    }

    /// <summary>Every object in the bucket: key → size.</summary>
    public static async Task<Dictionary<string, long>> ListAsync(IAmazonS3 client, string bucket, CancellationToken cancellationToken)
    {
        var objects = new Dictionary<string, long>(StringComparer.Ordinal);
        var request = new ListObjectsV2Request { BucketName = bucket };
        ListObjectsV2Response response;
        do
        {
            response = await client.ListObjectsV2Async(request, cancellationToken);
            foreach (var o in response.S3Objects ?? [])
            {
                objects[o.Key] = o.Size ?? 0;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);
        return objects;
    }

    /// <summary>
    /// Checks the closure invariant's storage half: every narinfo parses, is signed by <paramref name="publicKey"/>,
    /// and names a NAR object that exists with exactly its FileSize. Returns the narinfos by key.
    /// </summary>
    public static Task<Dictionary<string, NarInfo>> VerifyNarInfosAsync(IAmazonS3 client, string bucket, NixPublicKey publicKey, CancellationToken cancellationToken) =>
        VerifyNarInfosAsync(client, bucket, [publicKey], cancellationToken);

    /// <summary>As the other overload, for narinfos each signed by one of <paramref name="publicKeys"/>.</summary>
    public static async Task<Dictionary<string, NarInfo>> VerifyNarInfosAsync(IAmazonS3 client, string bucket, IReadOnlyList<NixPublicKey> publicKeys, CancellationToken cancellationToken)
    {
        var objects = await ListAsync(client, bucket, cancellationToken);
        var result = new Dictionary<string, NarInfo>(StringComparer.Ordinal);
        foreach (string key in objects.Keys.Where(k => k.EndsWith(".narinfo", StringComparison.Ordinal)))
        {
            using var response = await client.GetObjectAsync(bucket, key, cancellationToken);
            using var reader = new StreamReader(response.ResponseStream);
            var narInfo = NarInfo.Parse(await reader.ReadToEndAsync(cancellationToken));
            Assert.Contains(narInfo.Signatures, s => publicKeys.Any(k => k.Verify(narInfo.Fingerprint, s)));
            Assert.True(objects.TryGetValue(narInfo.Url, out long size), $"{key} names {narInfo.Url}, which is not in the bucket");
            Assert.Equal(narInfo.FileSize, size);
            result[key] = narInfo;
        }

        return result;
    }

    /// <summary>Downloads the NAR each narinfo names and checks its bytes against the narinfo's FileHash and FileSize.</summary>
    public static async Task VerifyNarHashesAsync(IAmazonS3 client, string bucket, IEnumerable<NarInfo> narInfos, CancellationToken cancellationToken)
    {
        foreach (var narInfo in narInfos)
        {
            using var response = await client.GetObjectAsync(bucket, narInfo.Url, cancellationToken);
            using var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            byte[] buffer = new byte[1 << 16];
            long size = 0;
            for (int read; (read = await response.ResponseStream.ReadAsync(buffer, cancellationToken)) > 0; size += read)
            {
                sha256.AppendData(buffer, 0, read);
            }

            Assert.True(narInfo.FileSize == size && sha256.GetHashAndReset().AsSpan().SequenceEqual(narInfo.FileHash), $"{narInfo.Url} of {narInfo.StorePath} does not hold what its narinfo says");
        }
    }

    /// <summary>"bucket: 3 pushed, 0 already present, 0 failed" as PushCommand prints it.</summary>
    public static string Summary(int pushed, int present, int failed) =>
        string.Create(CultureInfo.InvariantCulture, $"bucket: {pushed} pushed, {present} already present, {failed} failed");

    public void Dispose()
    {
        _key.Dispose();
        Home.Dispose();
    }
}
