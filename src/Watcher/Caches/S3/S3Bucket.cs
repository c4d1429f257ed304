using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Config;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <summary>
/// The requests of one <c>s3</c> cache's bucket, for pushing and maintenance alike: HEAD, GET, PUT (conditional or not),
/// multipart uploads, listing, copy and DELETE, all over one client and through the cache's <see cref="IRequestPolicy"/>.
/// </summary>
/// <remarks>
/// Small bodies and staged files go up with a single PutObject, large staged files as a multipart upload whose parts
/// are re-read from the file, a few at a time, so a failed part is sent again on its own (the parts already sent are
/// kept); a multipart upload that fails for good is aborted so no parts are left behind, and one a crash interrupts is in
/// the <see cref="IMultipartJournal"/> to be resumed or aborted at the next start. Every body carries its Content-MD5,
/// and what the server says it stored is checked before the object counts.
/// </remarks>
internal sealed partial class S3Bucket : IDisposable
{
    /// <summary>How many parts of one object go up at once; with parts read from a file this costs no memory.</summary>
    public const int ParallelParts = 4;

    /// <summary>Bodies up to this size are sent as <see cref="RequestKind.RepeatableUpload"/> requests (hedged, timed as a whole).</summary>
    public const long HedgedBodyLimit = 128 << 10;

    /// <summary>How long an abort may take: it is sent even while the push is being cancelled.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(30);

    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly long _maxPartSize;
    private readonly S3Errors _errors;
    private readonly IRequestPolicy _policy;
    private readonly IMultipartJournal _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _abortUnsupportedLogged;

    /// <param name="options">The cache: its bucket, endpoint (for messages) and part size.</param>
    /// <param name="client">Its S3 client, disposed with this bucket.</param>
    /// <param name="policy">Sends each request again when it fails transiently, and times it.</param>
    /// <param name="journal">Where multipart uploads are noted while open.</param>
    /// <param name="time">The clock of journal entries and refresh times.</param>
    /// <param name="logger">Says what happened to multipart uploads and conditional writes.</param>
    public S3Bucket(S3CacheOptions options, IAmazonS3 client, IRequestPolicy policy, IMultipartJournal journal, TimeProvider time, ILogger logger)
    {
        _journal = journal;
        _client = client;
        _bucket = options.Bucket;
        _maxPartSize = (long)options.PartSizeMb << 20;
        _errors = new S3Errors(options.Name, options.Bucket, S3ClientFactory.DescribeEndpoint(options));
        _policy = policy;
        _time = time;
        _logger = logger;
    }

    /// <summary>The cache, its bucket and endpoint, as messages name them.</summary>
    public string Where => _errors.Where;

    /// <summary>Turns a failure of a request into the cache's error, naming <c>what</c> was done.</summary>
    public S3Errors Errors => _errors;

    public void Dispose() => _client.Dispose();

    /// <summary>Whether <paramref name="key"/> exists (see <see cref="HeadAsync"/>).</summary>
    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => await HeadAsync(key, cancellationToken) is not null;

    /// <summary>The size of the object at <paramref name="key"/>, or null when there is none (see <see cref="HeadAsync"/>).</summary>
    public async Task<long?> SizeAsync(string key, CancellationToken cancellationToken) => (await StatAsync(key, cancellationToken))?.Size;

    /// <summary>The size and last-modified time of the object at <paramref name="key"/>, or null when there is none (see <see cref="HeadAsync"/>).</summary>
    public async Task<CacheObject?> StatAsync(string key, CancellationToken cancellationToken) =>
        await HeadAsync(key, cancellationToken) is { } head ? new CacheObject(key, head.ContentLength, ToOffset(head.LastModified)) : null;

    /// <summary>
    /// The one HEAD of this cache, for pushing and maintenance alike: the object's metadata, or null when there is none.
    /// 404 and 403 both mean none: a bucket that forbids listing answers 403 for a key it does not have.
    /// </summary>
    public Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken cancellationToken) =>
        _policy.RunAsync($"checking {key}", RequestKind.Repeatable, async ct =>
        {
            try
            {
                return await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, ct);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
            {
                return (GetObjectMetadataResponse?)null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw _errors.Wrap(ex, $"checking {key}");
            }
        }, cancellationToken);

    /// <summary>
    /// Writes a small text object (narinfo, nix-cache-info) with one PutObject if nothing is at <paramref name="key"/> yet
    /// (first writer wins, where the server honours it), and checks what the server stored.
    /// </summary>
    /// <returns>Null when <paramref name="contents"/> is what the key holds (this write, or an earlier attempt of it, put it
    /// there); else the text another writer put there first, which stays.</returns>
    public async Task<string?> PutTextAsync(string key, string contents, string contentType, CancellationToken cancellationToken)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(contents);
        byte[] md5 = ObjectChecksum.Md5(bytes);
        string what = $"writing {key}";
        while (true)
        {
            bool written = await SendAsync(what, RequestKind.Repeatable, async ct =>
            {
                var (response, _) = await PutIfAbsentAsync(
                    () => new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = new MemoryStream(bytes, writable: false), ContentType = contentType, MD5Digest = Convert.ToBase64String(md5), UseChunkEncoding = false },
                    ct);
                if (response is not null)
                {
                    await VerifyAsync(key, what, response.ETag, md5, bytes.Length, ct);
                }

                return response is not null;
            }, cancellationToken);
            if (written)
            {
                return null;
            }

            // A held or hedged attempt of this very write may be what is there: the same bytes count as ours.
            if (await ReadTextAsync(key, cancellationToken) is { } stored)
            {
                return stored == contents ? null : stored;
            }

            // Gone again since the 412 (deleted by gc or by hand): nothing is in place, so write again.
        }
    }

    /// <summary>
    /// Uploads the file at <paramref name="path"/> as <paramref name="key"/>, over whatever is there; the object appears only
    /// when complete. A large one goes up in parts, journaled with <paramref name="storePath"/> (whose NAR it is) so that a
    /// restart resumes it.
    /// </summary>
    public async Task PutFileAsync(string key, string path, string contentType, CancellationToken cancellationToken, string? storePath = null) =>
        _ = await PutFileAsync(key, path, contentType, ifAbsent: false, cancellationToken, storePath);

    /// <summary>
    /// Uploads the file at <paramref name="path"/> as <paramref name="key"/>; the object appears only when complete. With
    /// <paramref name="ifAbsent"/>, a single PutObject goes with <c>If-None-Match: *</c>: an object found in place is checked
    /// as an upload is, and kept when it holds these bytes. Multipart uploads (journaled with <paramref name="storePath"/>
    /// so that a restart resumes them) complete over whatever is there.
    /// </summary>
    public async Task<ConditionalPut> PutFileAsync(string key, string path, string contentType, bool ifAbsent, CancellationToken cancellationToken, string? storePath = null)
    {
        var plan = S3PartPlan.For(new FileInfo(path).Length, _maxPartSize);
        if (plan.IsSinglePut)
        {
            byte[] md5 = await ObjectChecksum.Md5Async(path, 0, plan.ObjectSize, cancellationToken);
            string what = $"writing {key}";
            async Task<ConditionalPut> PutAsync(bool conditional, Action? progress, CancellationToken ct)
            {
                PutObjectRequest Build()
                {
                    var request = new PutObjectRequest { BucketName = _bucket, Key = key, FilePath = path, ContentType = contentType, MD5Digest = Convert.ToBase64String(md5), UseChunkEncoding = false };
                    if (progress is not null)
                    {
                        request.StreamTransferProgress += (_, _) => progress();
                    }

                    return request;
                }

                var (response, sentConditional) = conditional ? await PutIfAbsentAsync(Build, ct) : (await _client.PutObjectAsync(Build(), ct), false);
                if (response is null)
                {
                    return ConditionalPut.InPlace;
                }

                await VerifyAsync(key, what, response.ETag, md5, plan.ObjectSize, ct);
                return sentConditional ? ConditionalPut.Created : ConditionalPut.Written;
            }

            // A small body goes up like a narinfo: timed as a whole and sent again alongside when it has no answer
            // after a moment (the same bytes to the same key, so whichever answers first counts). A held request then
            // costs seconds, not the stall timeout; most NARs (small files, .drv) are this small.
            Task<ConditionalPut> SendPutAsync(bool conditional) => plan.ObjectSize <= HedgedBodyLimit
                ? SendAsync(what, RequestKind.RepeatableUpload, ct => PutAsync(conditional, null, ct), cancellationToken)
                : SendBodyAsync(what, (progress, ct) => PutAsync(conditional, progress, ct), cancellationToken);
            var put = await SendPutAsync(ifAbsent);
            if (put != ConditionalPut.InPlace)
            {
                return put;
            }

            // Something is in place: it counts when it holds these bytes (an earlier attempt of this write, or another
            // writer of the same content), else it is what an interrupted or damaged write left, and is written over.
            // (An attempt of this write that created it but whose answer came after another's 412 counts as found too.)
            if (await HoldsAsync(key, md5, plan.ObjectSize, cancellationToken))
            {
                return ConditionalPut.InPlace;
            }

            Log.DamagedInPlace(_logger, key, _errors.Where);
            return await SendPutAsync(conditional: false);
        }

        await PutMultipartAsync(key, path, contentType, plan, storePath, cancellationToken);
        return ConditionalPut.Written;
    }

    /// <summary>
    /// Checks what the server stored against what was sent: its ETag where that is an MD5 (S3, MinIO, Ceph, Garage for
    /// single uploads), else the stored size. A mismatch is <see cref="FailureReason.Damaged"/>: the request is sent again.
    /// </summary>
    private async Task VerifyAsync(string key, string what, string? etag, byte[] md5, long size, CancellationToken cancellationToken)
    {
        if (ObjectChecksum.IsMd5ETag(etag))
        {
            ObjectChecksum.ThrowIfDamaged(_errors, what, etag, md5);
            return;
        }

        var metadata = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken);
        if (metadata.ContentLength != size)
        {
            throw new CacheUploadException($"{_errors.Where}: {what}: the server stored {metadata.ContentLength} bytes of {size}; sending it again", FailureReason.Damaged);
        }
    }

    /// <summary>Sends one SDK request with a body through the policy (timed by its progress), its failures classified and named.</summary>
    private Task<T> SendBodyAsync<T>(string operation, Func<Action, CancellationToken, Task<T>> request, CancellationToken cancellationToken) =>
        _policy.RunBodyAsync(operation, async (progress, ct) =>
        {
            try
            {
                return await request(progress, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw _errors.Wrap(ex, operation);
            }
        }, cancellationToken);

    /// <summary>Sends one SDK request through the policy, its failures classified and named.</summary>
    private Task<T> SendAsync<T>(string operation, RequestKind kind, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken) =>
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
        }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1310, EventName = "S3MultipartStarted", Level = LogLevel.Debug, Message = "uploading {Key} ({Bytes} bytes) in {PartCount} parts of {PartSize} bytes")]
        public static partial void MultipartStarted(ILogger logger, string key, long bytes, int partCount, long partSize);

        [LoggerMessage(EventId = 1311, EventName = "S3MultipartAborted", Level = LogLevel.Debug, Message = "aborted the multipart upload of {Key}")]
        public static partial void MultipartAborted(ILogger logger, string key);

        [LoggerMessage(EventId = 1312, EventName = "S3AbortUnsupported", Level = LogLevel.Warning, Message = "{Where}: the server cannot abort multipart uploads (HTTP {Status}); parts of failed uploads stay until the bucket's lifecycle rules remove them")]
        public static partial void AbortUnsupported(ILogger logger, string where, int status);

        [LoggerMessage(EventId = 1314, EventName = "S3LeftoverAborting", Level = LogLevel.Information, Message = "aborting the multipart upload of {Key} in {Where} that an interrupted run left behind")]
        public static partial void LeftoverAborting(ILogger logger, string key, string where);

        [LoggerMessage(EventId = 1316, EventName = "S3MultipartLeft", Level = LogLevel.Information, Message = "stopped: the multipart upload of {Key} is left for the next start")]
        public static partial void MultipartLeft(ILogger logger, string key);

        [LoggerMessage(EventId = 1315, EventName = "S3CompletedEarlier", Level = LogLevel.Debug, Message = "the multipart upload of {Key} was completed by an earlier attempt whose answer was lost")]
        public static partial void CompletedEarlier(ILogger logger, string key);

        [LoggerMessage(EventId = 1317, EventName = "S3MultipartResumed", Level = LogLevel.Information, Message = "resuming the multipart upload of {Key} that an interrupted run left: {Sent} of {PartCount} parts are on the server already")]
        public static partial void MultipartResumed(ILogger logger, string key, int sent, int partCount);

        [LoggerMessage(EventId = 1318, EventName = "S3LeftoverKept", Level = LogLevel.Information, Message = "keeping the multipart upload of {Key} in {Where} that an interrupted run left ({Parts} parts sent), to resume when {StorePath} is pushed")]
        public static partial void LeftoverKept(ILogger logger, string key, string where, int parts, string storePath);

        [LoggerMessage(EventId = 1313, EventName = "S3AbortFailed", Level = LogLevel.Warning, Message = "could not abort the multipart upload of {Key} in {Where}: {Reason}")]
        public static partial void AbortFailed(ILogger logger, string key, string where, string reason);
    }
}
