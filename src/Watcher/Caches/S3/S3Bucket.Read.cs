using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <content>The requests maintenance adds: listing, reading, a copy of an object onto itself, and a small object written again.</content>
internal sealed partial class S3Bucket
{
    /// <summary>The user-metadata key a copy onto itself sets (such a copy must change something).</summary>
    public const string RefreshedMetadataKey = "x-amz-meta-nix-watcher-refreshed";

    /// <summary>Every object of the bucket, a ListObjectsV2 page (1,000 keys) at a time, each page through the policy.</summary>
    public async IAsyncEnumerable<CacheObject> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, MaxKeys = 1000 };
        while (true)
        {
            var page = await SendAsync("listing the bucket", RequestKind.Repeatable, ct => _client.ListObjectsV2Async(request, ct), cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                yield return new CacheObject(o.Key, o.Size ?? 0, ToOffset(o.LastModified));
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>The body of the object at <paramref name="key"/> (disposing it ends the response), or null when there is none.</summary>
    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) =>
        SendAsync($"reading {key}", RequestKind.Single, async ct =>
        {
            try
            {
                return (Stream?)new ResponseStream(await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct));
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>
    /// Reads the object at <paramref name="key"/> whole into <paramref name="output"/> (sent again from its start when a
    /// read fails transiently); the number of bytes read, or null when there is no such object.
    /// </summary>
    public Task<long?> ReadToAsync(string key, Stream output, CancellationToken cancellationToken) =>
        SendAsync($"reading {key}", RequestKind.Single, async ct =>
        {
            output.Position = 0;
            output.SetLength(0);
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct);
                await response.ResponseStream.CopyToAsync(output, ct);
                return (long?)output.Length;
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>
    /// Copies the object at <paramref name="key"/> onto itself with replaced metadata, S3's way to touch an object.
    /// </summary>
    /// <returns><see cref="RefreshOutcome.Refreshed"/> when the server's last-modified time moved past
    /// <paramref name="before"/>; <see cref="RefreshOutcome.Missing"/> when the object was deleted; null when the time did
    /// not move or the server refused the copy (s3rver cannot copy an object onto itself).</returns>
    public Task<RefreshOutcome?> CopyOntoItselfAsync(string key, string? contentType, DateTimeOffset before, CancellationToken cancellationToken) =>
        SendAsync($"refreshing {key}", RequestKind.Single, async ct =>
        {
            var copy = new CopyObjectRequest
            {
                SourceBucket = _bucket,
                SourceKey = key,
                DestinationBucket = _bucket,
                DestinationKey = key,
                MetadataDirective = S3MetadataDirective.REPLACE,
                ContentType = contentType,
            };
            copy.Metadata.Add(RefreshedMetadataKey, _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
            try
            {
                var copied = await _client.CopyObjectAsync(copy, ct);
                return DateTimeOffset.TryParse(copied.LastModified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var after) && after > before
                    ? RefreshOutcome.Refreshed
                    : (RefreshOutcome?)null;
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchKey")
            {
                return RefreshOutcome.Missing;
            }
            catch (AmazonS3Exception ex) when (S3Errors.Classify(ex).Reason == FailureReason.Rejected)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="key"/> over whatever is there, with its Content-MD5, and checks what the server stored.</summary>
    public Task PutBytesAsync(string key, byte[] bytes, string contentType, CancellationToken cancellationToken)
    {
        byte[] md5 = ObjectChecksum.Md5(bytes);
        string what = $"writing {key}";
        return SendAsync(what, RequestKind.Repeatable, async ct =>
        {
            using var body = new MemoryStream(bytes, writable: false);
            var response = await _client.PutObjectAsync(
                new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = body, ContentType = contentType, MD5Digest = Convert.ToBase64String(md5), UseChunkEncoding = false },
                ct);
            await VerifyAsync(key, what, response.ETag, md5, bytes.Length, ct);
            return true;
        }, cancellationToken);
    }

    /// <summary>An S3 SDK time (UTC, or unspecified meaning UTC) as an offset; a missing one is the earliest time.</summary>
    internal static DateTimeOffset ToOffset(DateTime? time) => time is { } t
        ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())
        : DateTimeOffset.MinValue;

    /// <summary>The body of a GET that disposes the response with it.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : ReadOnlyStream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, offset, count, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
