using Amazon.S3.Model;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <content>
/// The multipart uploads an interrupted run left: kept at start while their store path is there, resumed when the same
/// NAR goes up again, aborted when the path is gone, changed, or the upload is stale.
/// </content>
/// <remarks>
/// A NAR's key names the hash of its compressed bytes, so the NAR staged again under the same key is byte for byte the
/// file the parts were read from (the same store path encoded with the same settings): a part is counted as sent when
/// the server still lists it with its ETag (where it answers ListParts) and the bytes at its offset in the new file have
/// the MD5 the journal noted. Any other part is sent again.
/// </remarks>
internal sealed partial class S3Bucket
{
    /// <summary>A multipart upload started this long ago is dead, whoever started it.</summary>
    public static readonly TimeSpan StaleUpload = TimeSpan.FromDays(1);

    /// <summary>The uploads this process has under way: journaled, but not left by anybody, so neither resumed nor dropped.</summary>
    private readonly HashSet<string> _active = [];

    /// <summary>The journal's uploads that no upload of this process is sending.</summary>
    private List<MultipartUpload> LeftNow()
    {
        var left = _journal.Left();
        lock (_active)
        {
            return [.. left.Where(u => !_active.Contains(u.UploadId))];
        }
    }

    /// <summary>Claims <paramref name="uploadId"/> for this process's upload; false when another upload of this process has it.</summary>
    private bool Claim(string uploadId)
    {
        lock (_active)
        {
            return _active.Add(uploadId);
        }
    }

    private void Release(string uploadId)
    {
        lock (_active)
        {
            _active.Remove(uploadId);
        }
    }

    /// <summary>
    /// Deals with the multipart uploads a crash or a stop left behind: those in the journal are kept for resume while their
    /// store path is there (<paramref name="storePathExists"/>) and they are not stale, else aborted; the others the bucket
    /// lists (where it can) that were started more than <see cref="StaleUpload"/> ago, by anybody, are aborted as surely dead.
    /// </summary>
    /// <remarks>Only with a kept journal (the daemon): a one-shot command leaves the bucket's other uploads alone.</remarks>
    public async Task SweepLeftoversAsync(Func<string, bool> storePathExists, CancellationToken cancellationToken)
    {
        if (!_journal.Kept)
        {
            return;
        }

        var left = _journal.Left();
        foreach (var upload in left)
        {
            if (upload.StorePath is { } storePath && storePathExists(storePath) && _time.GetUtcNow() - upload.StartedAt <= StaleUpload)
            {
                int parts = _journal.Parts(upload.UploadId).Count;
                Log.LeftoverKept(_logger, upload.Key, _errors.Where, parts, storePath);
                continue;
            }

            await AbortLeftoverAsync(upload);
        }

        // The journal's uploads were judged above by when this process started them, not by the server's word (moto lists
        // every upload as initiated in 2010); the listing judges only the others.
        var journaled = left.Select(u => u.UploadId).ToHashSet(StringComparer.Ordinal);
        var request = new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = "nar/" };
        try
        {
            ListMultipartUploadsResponse page;
            do
            {
                page = await SendAsync("listing multipart uploads", RequestKind.Repeatable, ct => _client.ListMultipartUploadsAsync(request, ct), cancellationToken);
                foreach (var upload in page.MultipartUploads ?? [])
                {
                    if (!journaled.Contains(upload.UploadId) && upload.Initiated is { } initiated && _time.GetUtcNow() - new DateTimeOffset(initiated.ToUniversalTime(), TimeSpan.Zero) > StaleUpload)
                    {
                        Log.LeftoverAborting(_logger, upload.Key, _errors.Where);
                        if (await AbortAsync(upload.Key, upload.UploadId))
                        {
                            _journal.Ended(upload.UploadId);
                        }
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

    /// <summary>
    /// Aborts the left uploads of <paramref name="storePath"/> other than one to <paramref name="keep"/>: its NAR is now
    /// another (the path changed), or it is in the bucket already (<paramref name="keep"/> null).
    /// </summary>
    public async Task DropLeftoversAsync(string storePath, string? keep)
    {
        foreach (var upload in LeftNow())
        {
            if (upload.StorePath == storePath && upload.Key != keep)
            {
                await AbortLeftoverAsync(upload);
            }
        }
    }

    /// <summary>
    /// The left upload of <paramref name="key"/> to go on with and its parts still good, or null to start afresh; left
    /// uploads of this key that cannot be resumed (another part size, unknown to the server) are dropped.
    /// </summary>
    private async Task<(string UploadId, IReadOnlyList<MultipartPart> Sent)?> ResumableAsync(string key, string path, S3PartPlan plan, CancellationToken cancellationToken)
    {
        foreach (var upload in LeftNow())
        {
            if (upload.Key != key || !Claim(upload.UploadId))
            {
                continue;
            }

            List<MultipartPart>? sent = null;
            try
            {
                sent = await GoOnWithAsync(upload, path, plan, cancellationToken);
            }
            finally
            {
                if (sent is null)
                {
                    Release(upload.UploadId);
                }
            }

            if (sent is not null)
            {
                return (upload.UploadId, sent);
            }
        }

        return null;
    }

    /// <summary>The parts of <paramref name="upload"/> still good, or null when it cannot go on (then it is dropped).</summary>
    private async Task<List<MultipartPart>?> GoOnWithAsync(MultipartUpload upload, string path, S3PartPlan plan, CancellationToken cancellationToken)
    {
        string key = upload.Key;
        if (upload.ObjectSize != plan.ObjectSize || upload.PartSize != plan.PartSize)
        {
            await AbortLeftoverAsync(upload);
            return null;
        }

        var listed = await ListPartsAsync(key, upload.UploadId, cancellationToken);
        if (listed.Gone)
        {
            // Completed, aborted or expired meanwhile: nothing to go on with.
            _journal.Ended(upload.UploadId);
            return null;
        }

        var sent = new List<MultipartPart>();
        foreach (var part in _journal.Parts(upload.UploadId))
        {
            bool planned = part.Number >= 1 && part.Number <= plan.PartCount
                && part.Offset == plan.Offset(part.Number - 1) && part.Size == plan.Length(part.Number - 1);
            bool onServer = listed.ETags is not { } etags || (etags.TryGetValue(part.Number, out var etag) && SameETag(etag, part.ETag));
            if (planned && onServer
                && Convert.ToBase64String(await ObjectChecksum.Md5Async(path, part.Offset, part.Size, cancellationToken)) == part.Md5)
            {
                sent.Add(part);
            }
        }

        return sent;
    }

    /// <summary>
    /// The parts the server lists for an upload (number to ETag); ETags null when it cannot list them (s3rver: 405),
    /// Gone when it no longer knows the upload.
    /// </summary>
    private async Task<(bool Gone, Dictionary<int, string>? ETags)> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        var etags = new Dictionary<int, string>();
        var request = new ListPartsRequest { BucketName = _bucket, Key = key, UploadId = uploadId };
        try
        {
            ListPartsResponse page;
            do
            {
                page = await SendAsync($"listing the parts of the multipart upload of {key}", RequestKind.Repeatable, ct => _client.ListPartsAsync(request, ct), cancellationToken);
                foreach (var part in page.Parts ?? [])
                {
                    if (part.PartNumber is { } number)
                    {
                        etags[number] = part.ETag;
                    }
                }

                request.PartNumberMarker = page.NextPartNumberMarker?.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            while (page.IsTruncated == true);
            return (false, etags);
        }
        catch (CacheUploadException ex) when (ex.StatusCode == 404)
        {
            return (true, null);
        }
        catch (CacheUploadException ex) when (ex.StatusCode is 405 or 501 or 403)
        {
            // The server cannot list them (s3rver), or the credentials may not: the journal is what there is.
            return (false, null);
        }
    }

    private async Task AbortLeftoverAsync(MultipartUpload upload)
    {
        Log.LeftoverAborting(_logger, upload.Key, _errors.Where);
        if (await AbortAsync(upload.Key, upload.UploadId))
        {
            _journal.Ended(upload.UploadId);
        }
    }

    /// <summary>S3 compares ETags without their quotes.</summary>
    private static bool SameETag(string? a, string? b) => string.Equals(a?.Trim('"'), b?.Trim('"'), StringComparison.OrdinalIgnoreCase);
}
