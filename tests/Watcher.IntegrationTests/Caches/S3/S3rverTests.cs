using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary>
/// The s3rver the S3 tests run against shows an object only once it is whole, as S3 servers do: a test that reads the
/// bucket back while a daemon writes must never meet half an object (the SDK fails such a GetObject on its MD5).
/// </summary>
public sealed class S3rverTests
{
    [Fact]
    public async Task Put_WhileItsBodyIsOnItsWay_NoListingOrGetFindsTheObjectUntilItIsWhole()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await S3rver.StartAsync(ct);
        await server.CreateBucketAsync("whole", ct);
        using var client = server.CreateClient();
        byte[] body = RandomNumberGenerator.GetBytes(1 << 20);
        using var held = new HeldStream(body, body.Length / 2);
        using var content = new StreamContent(held);
        content.Headers.ContentLength = body.Length;
        using var http = new HttpClient();

        var put = http.PutAsync(new Uri(server.Endpoint, "whole/nar/held.nar"), content, ct);
        await held.Halfway.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        // The server has started storing the body once a file for the key is in its directory (bounded: a hang fails).
        for (int waited = 0; !Directory.EnumerateFiles(server.Directory, "held.nar*", SearchOption.AllDirectories).Any(); waited += 10)
        {
            Assert.True(waited < 30_000, "s3rver never started storing the body");
            await Task.Delay(10, ct);
        }

        var listing = await client.ListObjectsV2Async(new() { BucketName = "whole" }, ct);
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => client.GetObjectAsync("whole", "nar/held.nar", ct));
        held.Release();
        using var answer = await put;

        Assert.Empty(listing.S3Objects ?? []);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.True(answer.IsSuccessStatusCode, answer.ToString());
        using var stored = await client.GetObjectAsync("whole", "nar/held.nar", ct);
        using var copy = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(copy, ct);
        Assert.Equal(body, copy.ToArray());
    }

    /// <summary>A request body that stops after <c>half</c> bytes until <see cref="Release"/>.</summary>
    private sealed class HeldStream(byte[] body, int half) : Stream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _position;

        /// <summary>Set once the first part has been handed over and the next read waits.</summary>
        public TaskCompletionSource Halfway { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => body.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == half)
            {
                Halfway.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }

            int end = _position < half ? half : body.Length;
            int count = Math.Min(buffer.Length, end - _position);
            body.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
