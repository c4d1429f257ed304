using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Config;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <summary>The objects of an <c>s3</c> cache: ListObjectsV2 pages, HEAD, GET, DELETE, and a refresh by copying an object onto itself.</summary>
internal sealed partial class S3CacheObjects : ICacheObjects
{
    /// <summary>The user-metadata key a refresh sets (a copy onto itself must change something).</summary>
    public const string RefreshedMetadataKey = "x-amz-meta-nix-watcher-refreshed";

    /// <summary>The largest object a rewrite holds in memory (narinfos are a few hundred bytes); larger ones go through a temporary file.</summary>
    public const long MaxRewriteBytes = 1 << 20;

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly S3Errors _errors;
    private readonly TimeProvider _time;
    private readonly IRequestPolicy _policy;
    private readonly S3ObjectWriter _writer;

    /// <param name="options">The cache.</param>
    /// <param name="client">Its S3 client.</param>
    /// <param name="policy">
    /// Sends a request again when it fails transiently (5xx, SlowDown, a dropped connection), so that one blip does not end
    /// a listing of a large bucket or a gc run halfway.
    /// </param>
    /// <param name="time">The clock of refresh times.</param>
    public S3CacheObjects(S3CacheOptions options, IAmazonS3 client, IRequestPolicy policy, TimeProvider time)
    {
        _policy = policy;
        Name = options.Name;
        _client = client;
        _bucket = options.Bucket;
        _errors = new S3Errors(options.Name, options.Bucket, S3ClientFactory.DescribeEndpoint(options));
        _time = time;
        _writer = new S3ObjectWriter(client, options.Bucket, (long)options.PartSizeMb << 20, _errors, policy, NoMultipartJournal.Instance, time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    public string Name { get; }

    public string Where => _errors.Where;

    public async IAsyncEnumerable<CacheObject> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, MaxKeys = 1000 };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await SendAsync(RequestKind.Repeatable, ct => _client.ListObjectsV2Async(request, ct), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw _errors.Wrap(ex, "listing the bucket");
            }

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

    public async Task<CacheObject?> StatAsync(string key, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(key, cancellationToken);
        return head is null ? null : new CacheObject(key, head.ContentLength, ToOffset(head.LastModified));
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await SendAsync(RequestKind.Single, ct => _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct), cancellationToken);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw _errors.Wrap(ex, $"reading {key}");
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => _writer.DeleteAsync(key, cancellationToken);

    /// <remarks>
    /// A copy onto itself with replaced metadata is S3's way to touch an object: the bytes stay, the last-modified
    /// time moves, and a copy of an object that was deleted meanwhile fails instead of bringing it back. Some servers
    /// keep the old time (MinIO before late 2023, Ceph RGW's standalone drivers) or cannot copy an object onto itself
    /// (s3rver); then the object is written again with the same bytes, a NAR too (never reported gone for it).
    /// </remarks>
    public async Task<RefreshOutcome> RefreshAsync(string key, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(key, cancellationToken);
        if (head is null)
        {
            return RefreshOutcome.Missing;
        }

        var before = ToOffset(head.LastModified);
        string now = _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        try
        {
            var copy = new CopyObjectRequest
            {
                SourceBucket = _bucket,
                SourceKey = key,
                DestinationBucket = _bucket,
                DestinationKey = key,
                MetadataDirective = S3MetadataDirective.REPLACE,
                ContentType = head.Headers.ContentType,
            };
            copy.Metadata.Add(RefreshedMetadataKey, now);
            var copied = await SendAsync(RequestKind.Single, ct => _client.CopyObjectAsync(copy, ct), cancellationToken);
            if (DateTimeOffset.TryParse(copied.LastModified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var after) && after > before)
            {
                return RefreshOutcome.Refreshed;
            }
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchKey")
        {
            // Deleted since the HEAD: the caller must write it again.
            return RefreshOutcome.Missing;
        }
        catch (AmazonS3Exception ex) when (S3Errors.Classify(ex).Reason == FailureReason.Rejected)
        {
            // The server cannot copy an object onto itself (s3rver misreads the encoded copy source): rewrite it below.
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw _errors.Wrap(ex, $"refreshing {key}");
        }

        var again = await StatAsync(key, cancellationToken);
        if (again is null)
        {
            return RefreshOutcome.Missing;
        }

        if (again.LastModified > before)
        {
            return RefreshOutcome.Refreshed;
        }

        return head.ContentLength <= MaxRewriteBytes
            ? await RewriteAsync(key, head, cancellationToken)
            : await RewriteLargeAsync(key, head, cancellationToken);
    }

    public async Task<CacheInfoIdentity?> ReadCacheInfoIdentityAsync(CancellationToken cancellationToken)
    {
        var head = await HeadAsync(CacheKeys.CacheInfoKey, cancellationToken);
        return head is null ? null : new CacheInfoIdentity(ToOffset(head.LastModified), head.ETag ?? string.Empty);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Writes a small object again with its own bytes (another writer's rewrite in between writes the same document).</summary>
    private async Task<RefreshOutcome> RewriteAsync(string key, GetObjectMetadataResponse head, CancellationToken cancellationToken)
    {
        try
        {
            byte[] bytes = await SendAsync(RequestKind.Single, async ct =>
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct);
                using var buffer = new MemoryStream();
                await response.ResponseStream.CopyToAsync(buffer, ct);
                return buffer.ToArray();
            }, cancellationToken);

            // Not brought back if it was deleted while it was read: the window is one request, and gc reads the
            // last-modified time again before each delete.
            if (await HeadAsync(key, cancellationToken) is null)
            {
                return RefreshOutcome.Missing;
            }

            // With its Content-MD5, like every other body: the server refuses one damaged on the way.
            string md5 = Convert.ToBase64String(ObjectChecksum.Md5(bytes));
            await SendAsync(RequestKind.Repeatable, async ct =>
            {
                using var body = new MemoryStream(bytes, writable: false);
                return await _client.PutObjectAsync(
                    new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = body, ContentType = head.Headers.ContentType, MD5Digest = md5, UseChunkEncoding = false },
                    ct);
            }, cancellationToken);
            return RefreshOutcome.Refreshed;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotFound)
        {
            return RefreshOutcome.Missing;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw _errors.Wrap(ex, $"rewriting {key}");
        }
    }

    private Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken cancellationToken) => _writer.HeadAsync(key, cancellationToken);

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

    /// <summary>
    /// One request through the policy. A transient failure goes to the policy classified, so that it is sent again; any
    /// other failure leaves as the SDK raised it, for the callers that tell a missing object from a refusal.
    /// </summary>
    private Task<T> SendAsync<T>(RequestKind kind, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken) =>
        _policy.RunAsync(Where, kind, async ct =>
        {
            try
            {
                return await request(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && S3Errors.Classify(ex).Reason.IsTransient())
            {
                throw _errors.Wrap(ex, "a request");
            }
        }, cancellationToken);
}
