using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Caches;
using Watcher.Caches.S3;
using Watcher.Caches.Zstd;
using Watcher.Config;
using Watcher.Nix;
using Watcher.State;

namespace Watcher.Tests.Caches.S3;

/// <summary>
/// A running S3 cache's objects (refreshes, a collection in the daemon) go through the cache's own bucket requests: a
/// large object the server will not touch by a copy is written back in parts noted in the cache's multipart journal, so a
/// stop halfway leaves no parts the next start does not abort.
/// </summary>
public sealed class S3CacheObjectsTests : IDisposable
{
    private const string Key = "nar/1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s.nar.zst";

    private readonly string _root = Directory.CreateTempSubdirectory("s3-cache-objects-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Refresh_LargeObjectTheCopyDoesNotMove_IsWrittenBackInPartsThroughTheCachesJournal()
    {
        var client = new InMemoryS3Client();
        byte[] bytes = RandomNumberGenerator.GetBytes((6 << 20) + 123);
        client.Objects[Key] = bytes;
        using var state = StateStore.Open(Path.Combine(_root, "state"));
        using var cache = CacheFor(client, state);

        var outcome = await cache.Objects!.RefreshAsync(Key, Ct);

        Assert.Equal(RefreshOutcome.Refreshed, outcome);
        Assert.Equal(bytes, client.Objects[Key]);
        Assert.Equal(["HEAD", "COPY", "HEAD", "GET", "HEAD", "INITIATE", "PART", "PART", "COMPLETE"], client.Log.Select(l => l.Split(' ')[0]));
        Assert.Empty(state.MultipartJournal("s3", new FakeTimeProvider()).Left());
        Assert.Equal(0, client.OpenUploads);
    }

    [Fact]
    public async Task Refresh_LargeRewriteStoppedHalfway_TheNextStartAbortsItsUpload()
    {
        var client = new InMemoryS3Client();
        client.Objects[Key] = RandomNumberGenerator.GetBytes((6 << 20) + 123);
        using var state = StateStore.Open(Path.Combine(_root, "state"));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        client.BeforePart = number =>
        {
            if (number == 2)
            {
                stop.Cancel();
            }
        };
        using (var cache = CacheFor(client, state))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.Objects!.RefreshAsync(Key, stop.Token));
        }

        var left = Assert.Single(state.MultipartJournal("s3", new FakeTimeProvider()).Left());
        Assert.Equal(Key, left.Key);
        Assert.Null(left.StorePath);
        Assert.Equal(1, client.OpenUploads);

        using var next = CacheFor(client, state);
        await next.InitializeAsync(Ct);

        Assert.Contains($"ABORT {Key}", client.Log);
        Assert.Equal(0, client.OpenUploads);
        Assert.Empty(state.MultipartJournal("s3", new FakeTimeProvider()).Left());
    }

    private S3Cache CacheFor(InMemoryS3Client client, StateStore state)
    {
        var options = new S3CacheOptions { Name = "s3", Bucket = "b", Endpoint = new Uri("http://s3.test"), SigningKeyFile = "unused", PartSizeMb = S3CacheOptions.MinPartSizeMb };
        var time = new FakeTimeProvider(new DateTimeOffset(client.LastModified));
        return new S3Cache(
            options, client, new NarEncoder(NarCompression.None, level: 3, workers: 1), signingKey: null, StorePath.DefaultStoreDir,
            SingleAttempt.Instance, state.MultipartJournal(options.Name, time), new StagingDirectory(Path.Combine(_root, "staging")), time, NullLogger.Instance);
    }
}
