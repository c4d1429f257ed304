namespace Watcher.IntegrationTests.Fixtures;

/// <summary>One s3rver shared by a test class; each test makes its own bucket with <see cref="NewBucketAsync"/>.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private S3rver? _server;

    public S3rver Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _server = await S3rver.StartAsync(TestContext.Current.CancellationToken);

    /// <summary>Creates a bucket with a fresh name and returns the name.</summary>
    public async Task<string> NewBucketAsync(CancellationToken cancellationToken)
    {
        string bucket = "cache-" + Guid.NewGuid().ToString("N")[..12];
        await Server.CreateBucketAsync(bucket, cancellationToken);
        return bucket;
    }

    /// <summary>A new bucket with a chain of <paramref name="count"/> new paths pushed into it by <c>nix-watcher push</c>.</summary>
    internal async Task<(IReadOnlyList<string> Outputs, string Bucket, Caches.S3.S3TestCache Cache)> PushedBucketAsync(NixFixture nix, int count, CancellationToken cancellationToken)
    {
        var outputs = await nix.BuildChainAsync(count, cancellationToken);
        string bucket = await NewBucketAsync(cancellationToken);
        var cache = new Caches.S3.S3TestCache(Server.Endpoint, bucket);
        (await cache.PushAsync([outputs[^1]], cancellationToken)).EnsureSuccess("push");
        return (outputs, bucket, cache);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
