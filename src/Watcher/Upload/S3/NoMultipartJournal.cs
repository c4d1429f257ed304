namespace Watcher.Upload.S3;

/// <summary>For one-shot commands and tests: nothing is noted, an interrupted upload is aborted when it fails or is cancelled.</summary>
internal sealed class NoMultipartJournal : IMultipartJournal
{
    public static readonly NoMultipartJournal Instance = new();

    public bool Kept => false;

    public void Started(MultipartUpload upload)
    {
    }

    public void PartSent(string uploadId, MultipartPart part)
    {
    }

    public IReadOnlyList<MultipartPart> Parts(string uploadId) => [];

    public void Ended(string uploadId)
    {
    }

    public IReadOnlyList<MultipartUpload> Left() => [];
}
