using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Upload.Resilience;

namespace Watcher.Upload.S3;

/// <summary>
/// Writes objects to one bucket: small bodies and staged files with a single PutObject, large staged
/// files as a multipart upload whose parts are re-read from the file, a few at a time. Every request goes
/// through the cache's <see cref="IRequestPolicy"/>, so a failed part is sent again on its own (the parts
/// already sent are kept); a multipart upload that fails for good is aborted so no parts are left behind.
/// </summary>
internal sealed partial class S3ObjectWriter
{
    /// <summary>How many parts of one object go up at once; with parts read from a file this costs no memory.</summary>
    public const int ParallelParts = 4;

    /// <summary>How long an abort may take: it is sent even while the push is being cancelled.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(30);

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly long _maxPartSize;
    private readonly S3Errors _errors;
    private readonly IRequestPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _abortUnsupportedLogged;

    public S3ObjectWriter(IAmazonS3 client, string bucket, long maxPartSize, S3Errors errors, IRequestPolicy policy, TimeProvider time, ILogger logger)
    {
        _client = client;
        _bucket = bucket;
        _maxPartSize = maxPartSize;
        _errors = errors;
        _policy = policy;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether <paramref name="key"/> exists; 404 and 403 (buckets that forbid listing) both mean no.</summary>
    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        _policy.RunAsync($"checking {key}", RequestKind.Lookup, async ct =>
        {
            try
            {
                await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, ct);
                return true;
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                return false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw _errors.Wrap(ex, $"checking {key}");
            }
        }, cancellationToken);

    /// <summary>Writes a small text object (narinfo, nix-cache-info) with one PutObject.</summary>
    public Task PutTextAsync(string key, string contents, string contentType, CancellationToken cancellationToken) =>
        SendAsync($"writing {key}", RequestKind.Metadata, ct => _client.PutObjectAsync(
            new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = contents, ContentType = contentType, UseChunkEncoding = false },
            ct), cancellationToken);

    /// <summary>Uploads the file at <paramref name="path"/> as <paramref name="key"/>; the object appears only when complete.</summary>
    public async Task PutFileAsync(string key, string path, string contentType, CancellationToken cancellationToken)
    {
        var plan = S3PartPlan.For(new FileInfo(path).Length, _maxPartSize);
        if (plan.IsSinglePut)
        {
            await SendAsync($"writing {key}", RequestKind.Body, ct => _client.PutObjectAsync(
                new PutObjectRequest { BucketName = _bucket, Key = key, FilePath = path, ContentType = contentType, UseChunkEncoding = false },
                ct), cancellationToken, plan.ObjectSize);
            return;
        }

        await PutMultipartAsync(key, path, contentType, plan, cancellationToken);
    }

    private async Task PutMultipartAsync(string key, string path, string contentType, S3PartPlan plan, CancellationToken cancellationToken)
    {
        var initiated = await SendAsync($"starting the multipart upload of {key}", RequestKind.Metadata, ct => _client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key, ContentType = contentType },
            ct), cancellationToken);
        string uploadId = initiated.UploadId;
        Log.MultipartStarted(_logger, key, plan.ObjectSize, plan.PartCount, plan.PartSize);
        try
        {
            var etags = new PartETag[plan.PartCount];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, plan.PartCount),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelParts, CancellationToken = cancellationToken },
                async (index, ct) => etags[index] = await UploadPartAsync(key, path, uploadId, plan, index, ct));
            await SendAsync($"completing the multipart upload of {key}", RequestKind.Metadata, ct => _client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId, PartETags = [.. etags] },
                ct), cancellationToken);
        }
        catch (Exception ex)
        {
            await AbortAsync(key, uploadId);
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw _errors.Wrap(ex, $"uploading {key} in {plan.PartCount} parts");
        }
    }

    private async Task<PartETag> UploadPartAsync(string key, string path, string uploadId, S3PartPlan plan, int index, CancellationToken cancellationToken)
    {
        var response = await SendAsync($"uploading part {index + 1} of {plan.PartCount} of {key}", RequestKind.Body, ct => _client.UploadPartAsync(
            new UploadPartRequest
            {
                BucketName = _bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = index + 1,
                FilePath = path,
                FilePosition = plan.Offset(index),
                PartSize = plan.Length(index),
                IsLastPart = index == plan.PartCount - 1,
                UseChunkEncoding = false,
            },
            ct), cancellationToken, plan.Length(index));
        return new PartETag(index + 1, response.ETag);
    }

    /// <summary>Sends one SDK request through the policy, its failures classified and named.</summary>
    private Task<T> SendAsync<T>(string operation, RequestKind kind, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken, long bodyBytes = 0) =>
        _policy.RunAsync(operation, kind, async ct =>
        {
            try
            {
                return await request(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw _errors.Wrap(ex, operation);
            }
        }, cancellationToken, bodyBytes);

    /// <summary>Aborts a multipart upload so the server drops its parts; never throws.</summary>
    private async Task AbortAsync(string key, string uploadId)
    {
        // Not the caller's token: the abort must still go out when the push is being cancelled.
        using var timeout = new CancellationTokenSource(AbortTimeout, _time);
        try
        {
            await _client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId },
                timeout.Token);
            Log.MultipartAborted(_logger, key);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
            // Some S3-compatible servers (s3rver) do not implement the abort; their parts stay until they expire.
            if (Interlocked.Exchange(ref _abortUnsupportedLogged, 1) == 0)
            {
                Log.AbortUnsupported(_logger, _errors.Where, (int)ex.StatusCode);
            }
        }
        catch (Exception ex)
        {
            var (_, _, message) = S3Errors.Classify(ex);
            Log.AbortFailed(_logger, key, _errors.Where, message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1310, EventName = "S3MultipartStarted", Level = LogLevel.Debug, Message = "uploading {Key} ({Bytes} bytes) in {PartCount} parts of {PartSize} bytes")]
        public static partial void MultipartStarted(ILogger logger, string key, long bytes, int partCount, long partSize);

        [LoggerMessage(EventId = 1311, EventName = "S3MultipartAborted", Level = LogLevel.Debug, Message = "aborted the multipart upload of {Key}")]
        public static partial void MultipartAborted(ILogger logger, string key);

        [LoggerMessage(EventId = 1312, EventName = "S3AbortUnsupported", Level = LogLevel.Warning, Message = "{Where}: the server cannot abort multipart uploads (HTTP {Status}); parts of failed uploads stay until the bucket's lifecycle rules remove them")]
        public static partial void AbortUnsupported(ILogger logger, string where, int status);

        [LoggerMessage(EventId = 1313, EventName = "S3AbortFailed", Level = LogLevel.Warning, Message = "could not abort the multipart upload of {Key} in {Where}: {Reason}")]
        public static partial void AbortFailed(ILogger logger, string key, string where, string reason);
    }
}
