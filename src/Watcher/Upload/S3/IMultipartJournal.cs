namespace Watcher.Upload.S3;

/// <summary>
/// Where an S3 cache notes the multipart uploads it has open and the parts each has sent, so that one a crash or a stop
/// interrupts is resumed at the next start (or aborted, when its store path is gone): s3rver and some other servers
/// cannot list them, and real S3 keeps their parts, and bills them, until then.
/// </summary>
internal interface IMultipartJournal
{
    /// <summary>Whether the journal outlives the process (then left-over uploads are looked for at start).</summary>
    bool Kept { get; }

    /// <summary>An upload was started.</summary>
    void Started(MultipartUpload upload);

    /// <summary>A part of the upload <paramref name="uploadId"/> was stored by the server.</summary>
    void PartSent(string uploadId, MultipartPart part);

    /// <summary>The parts of <paramref name="uploadId"/> noted as sent, by part number.</summary>
    IReadOnlyList<MultipartPart> Parts(string uploadId);

    /// <summary>An upload was completed or aborted: nothing is left of it on the server.</summary>
    void Ended(string uploadId);

    /// <summary>The uploads started and not ended, oldest first.</summary>
    IReadOnlyList<MultipartUpload> Left();
}

/// <summary>
/// One multipart upload: the object it makes, of which store path (null for uploads journaled before parts were: never
/// resumed), in parts of <see cref="PartSize"/> bytes.
/// </summary>
internal sealed record MultipartUpload(string Key, string UploadId, string? StorePath, long ObjectSize, long PartSize, DateTimeOffset StartedAt);

/// <summary>
/// One part the server stored: its number, the ETag it answered, and which bytes of the staged (compressed) NAR it
/// holds, with their MD5 (base64) so the bytes staged again at resume are checked before the part is counted as sent.
/// </summary>
internal sealed record MultipartPart(int Number, string ETag, long Offset, long Size, string Md5);
