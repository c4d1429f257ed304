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

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
