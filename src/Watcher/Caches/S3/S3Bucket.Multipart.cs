using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <content>Multipart uploads: parts, completion and aborts.</content>
internal sealed partial class S3Bucket
{
    private async Task PutMultipartAsync(string key, string path, string contentType, S3PartPlan plan, string? storePath, CancellationToken cancellationToken)
    {
        var resumed = await ResumableAsync(key, path, plan, cancellationToken);
        string uploadId;
        IReadOnlyList<MultipartPart> sent = resumed?.Sent ?? [];
        if (resumed is null)
        {
            var initiated = await SendAsync($"starting the multipart upload of {key}", RequestKind.Single, ct => _client.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key, ContentType = contentType },
                ct), cancellationToken);
            uploadId = initiated.UploadId;
            Claim(uploadId);
            _journal.Started(new MultipartUpload(key, uploadId, storePath, plan.ObjectSize, plan.PartSize, _time.GetUtcNow()));
            Log.MultipartStarted(_logger, key, plan.ObjectSize, plan.PartCount, plan.PartSize);
        }
        else
        {
            uploadId = resumed.Value.UploadId;
            Log.MultipartResumed(_logger, key, sent.Count, plan.PartCount);
        }

        try
        {
            var etags = new PartETag[plan.PartCount];
            foreach (var part in sent)
            {
                etags[part.Number - 1] = new PartETag(part.Number, part.ETag);
            }

            await Parallel.ForEachAsync(
                Enumerable.Range(0, plan.PartCount).Where(index => etags[index] is null),
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
        finally
        {
            Release(uploadId);
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
            _journal.PartSent(uploadId, new MultipartPart(index + 1, response.ETag, offset, length, Convert.ToBase64String(md5)));
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
