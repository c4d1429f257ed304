namespace Watcher.IntegrationTests.Fixtures;

/// <summary>One S3 server from the sid root shared by a test class; each test makes its own bucket.</summary>
public abstract class SidS3Fixture : IAsyncLifetime
{
    private SidS3Server? _server;

    public SidS3Server Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _server = await StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A fresh bucket's <see cref="Caches.S3.S3TestCache"/> with this server's keys.</summary>
    internal async Task<Caches.S3.S3TestCache> NewCacheAsync(CancellationToken cancellationToken) =>
        new(Server.Endpoint, await Server.NewBucketAsync(cancellationToken), Server.SecretKey, Server.AccessKey);

    protected abstract Task<SidS3Server> StartAsync(CancellationToken cancellationToken);
}

/// <summary>moto, shared by a test class.</summary>
public sealed class MotoFixture : SidS3Fixture
{
    protected override Task<SidS3Server> StartAsync(CancellationToken cancellationToken) => SidS3Server.StartMotoAsync(cancellationToken);
}

/// <summary>Ceph RGW, shared by a test class.</summary>
public sealed class RgwFixture : SidS3Fixture
{
    protected override Task<SidS3Server> StartAsync(CancellationToken cancellationToken) => SidS3Server.StartRgwAsync(cancellationToken);
}
