using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Upload.Resilience;

namespace Watcher.Upload.S3;

/// <content>Multipart uploads: parts, completion, aborts, and the ones a crash left behind.</content>
internal sealed partial class S3ObjectWriter
{
    /// <summary>A multipart upload started this long ago is dead, whoever started it.</summary>
    public static readonly TimeSpan StaleUpload = TimeSpan.FromDays(1);

    /// <summary>
    /// Aborts the multipart uploads a crash left behind: those in the journal, and those the bucket lists (where it can)
    /// that were started more than <see cref="StaleUpload"/> ago, by anybody, so surely dead.
    /// </summary>
    /// <remarks>Only with a kept journal (the daemon): a one-shot command leaves the bucket's other uploads alone.</remarks>
    public async Task AbortLeftoversAsync(CancellationToken cancellationToken)
    {
        if (!_journal.Kept)
        {
            return;
        }

        foreach (var (key, uploadId) in _journal.Left())
        {
            Log.LeftoverAborting(_logger, key, _errors.Where);
            if (await AbortAsync(key, uploadId))
            {
                _journal.Ended(uploadId);
            }
        }

        var request = new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = "nar/" };
        try
        {
            ListMultipartUploadsResponse page;
            do
            {
                page = await SendAsync("listing multipart uploads", RequestKind.Repeatable, ct => _client.ListMultipartUploadsAsync(request, ct), cancellationToken);
                foreach (var upload in page.MultipartUploads ?? [])
                {
                    if (upload.Initiated is { } initiated && _time.GetUtcNow() - new DateTimeOffset(initiated.ToUniversalTime(), TimeSpan.Zero) > StaleUpload)
                    {
                        Log.LeftoverAborting(_logger, upload.Key, _errors.Where);
                        await AbortAsync(upload.Key, upload.UploadId);
                    }
                }

                request.KeyMarker = page.NextKeyMarker;
                request.UploadIdMarker = page.NextUploadIdMarker;
            }
            while (page.IsTruncated == true);
        }
        catch (CacheUploadException ex) when (ex.StatusCode is 405 or 501 or 403)
        {
            // The server cannot list them (s3rver), or the credentials may not: the journal is what there is.
        }
    }

    private async Task PutMultipartAsync(string key, string path, string contentType, S3PartPlan plan, CancellationToken cancellationToken)
    {
        var initiated = await SendAsync($"starting the multipart upload of {key}", RequestKind.Single, ct => _client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key, ContentType = contentType },
            ct), cancellationToken);
        string uploadId = initiated.UploadId;
        _journal.Started(key, uploadId);
        Log.MultipartStarted(_logger, key, plan.ObjectSize, plan.PartCount, plan.PartSize);
        try
        {
            var etags = new PartETag[plan.PartCount];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, plan.PartCount),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelParts, CancellationToken = cancellationToken },
                async (index, ct) => etags[index] = await UploadPartAsync(key, path, uploadId, plan, index, ct));
            await CompleteAsync(key, uploadId, etags, plan.ObjectSize, cancellationToken);
            _journal.Ended(uploadId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped (Ctrl-C, SIGTERM, a drain given up): the parts stay for the next start, which finds the upload in
            // the journal (or, for a one-shot command, in the bucket's listing once stale) and deals with it.
            Log.MultipartLeft(_logger, key);
            throw;
        }
        catch (Exception ex)
        {
            if (await AbortAsync(key, uploadId))
            {
                _journal.Ended(uploadId);
            }

            throw _errors.Wrap(ex, $"uploading {key} in {plan.PartCount} parts");
        }
    }

    /// <summary>
    /// Completes the upload. When an attempt's answer was lost and the server completed it meanwhile, the next attempt
    /// finds no such upload: then the object, if it is there with its whole size, is what was completed.
    /// </summary>
    private async Task CompleteAsync(string key, string uploadId, PartETag[] etags, long size, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync($"completing the multipart upload of {key}", RequestKind.Single, ct => _client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId, PartETags = [.. etags] },
                ct), cancellationToken);
        }
        catch (CacheUploadException ex) when (ex.StatusCode == 404)
        {
            if (await SizeAsync(key, cancellationToken) != size)
            {
                throw;
            }

            Log.CompletedEarlier(_logger, key);
        }
    }

    private async Task<PartETag> UploadPartAsync(string key, string path, string uploadId, S3PartPlan plan, int index, CancellationToken cancellationToken)
    {
        long offset = plan.Offset(index);
        long length = plan.Length(index);
        byte[] md5 = await ObjectChecksum.Md5Async(path, offset, length, cancellationToken);
        string what = $"uploading part {index + 1} of {plan.PartCount} of {key}";
        return await SendBodyAsync(what, async (progress, ct) =>
        {
            var request = new UploadPartRequest
            {
                BucketName = _bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = index + 1,
                FilePath = path,
                FilePosition = offset,
                PartSize = length,
                IsLastPart = index == plan.PartCount - 1,
                MD5Digest = Convert.ToBase64String(md5),
                UseChunkEncoding = false,
            };
            request.StreamTransferProgress += (_, _) => progress();
            var response = await _client.UploadPartAsync(request, ct);
            ObjectChecksum.ThrowIfDamaged(_errors, what, response.ETag, md5);
            return new PartETag(index + 1, response.ETag);
        }, cancellationToken);
    }

    /// <summary>Aborts a multipart upload so the server drops its parts; never throws. True when nothing is left to abort.</summary>
    private async Task<bool> AbortAsync(string key, string uploadId)
    {
        // Not the caller's token: the abort must still go out when the push is being cancelled.
        using var timeout = new CancellationTokenSource(AbortTimeout, _time);
        try
        {
            await _client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId },
                timeout.Token);
            Log.MultipartAborted(_logger, key);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // NoSuchUpload: completed, or aborted already.
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
            // Some S3-compatible servers (s3rver) do not implement the abort; their parts stay until they expire.
            if (Interlocked.Exchange(ref _abortUnsupportedLogged, 1) == 0)
            {
                Log.AbortUnsupported(_logger, _errors.Where, (int)ex.StatusCode);
            }

            return true;
        }
        catch (Exception ex)
        {
            var (_, _, message) = S3Errors.Classify(ex);
            Log.AbortFailed(_logger, key, _errors.Where, message);
            return false;
        }
    }
}
