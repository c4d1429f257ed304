namespace Watcher.Upload.S3;

/// <summary>
/// Where an S3 cache notes the multipart uploads it has open, so that the ones a crash interrupts are aborted at the
/// next start (s3rver and some other servers cannot list them; real S3 keeps their parts, and bills them, until then).
/// </summary>
internal interface IMultipartJournal
{
    /// <summary>Whether the journal outlives the process (then left-over uploads are looked for at start).</summary>
    bool Kept { get; }

    /// <summary>An upload was started.</summary>
    void Started(string key, string uploadId);

    /// <summary>An upload was completed or aborted: nothing is left of it on the server.</summary>
    void Ended(string uploadId);

    /// <summary>The uploads started and not ended, by an earlier run.</summary>
    IReadOnlyList<(string Key, string UploadId)> Left();
}
