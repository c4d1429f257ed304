using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Watcher.Tests.Caches.S3;

/// <content>A copy onto itself that keeps the object's time, and multipart uploads: initiate, parts, complete, abort.</content>
internal sealed partial class InMemoryS3Client
{
    private readonly Dictionary<string, SortedDictionary<int, byte[]>> _uploads = new(StringComparer.Ordinal);

    /// <summary>Runs before a part is stored, with its number: a test can stop the upload there.</summary>
    public Action<int>? BeforePart { get; set; }

    /// <summary>The multipart uploads started and neither completed nor aborted.</summary>
    public int OpenUploads
    {
        get
        {
            lock (_uploads)
            {
                return _uploads.Count;
            }
        }
    }

    public override Task<CopyObjectResponse> CopyObjectAsync(CopyObjectRequest request, CancellationToken cancellationToken = default)
    {
        _ = Find(request.SourceKey, "COPY");
        return Task.FromResult(new CopyObjectResponse { LastModified = LastModified.ToString("O"), HttpStatusCode = HttpStatusCode.OK });
    }

    public override Task<InitiateMultipartUploadResponse> InitiateMultipartUploadAsync(InitiateMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        string id = Guid.NewGuid().ToString("N");
        Record($"INITIATE {request.Key}");
        lock (_uploads)
        {
            _uploads[id] = [];
        }

        return Task.FromResult(new InitiateMultipartUploadResponse { Key = request.Key, UploadId = id, HttpStatusCode = HttpStatusCode.OK });
    }

    public override async Task<UploadPartResponse> UploadPartAsync(UploadPartRequest request, CancellationToken cancellationToken = default)
    {
        Record($"PART {request.PartNumber} {request.Key}");
        BeforePart?.Invoke(request.PartNumber ?? 0);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] body = new byte[request.PartSize ?? 0];
        await using (var file = new FileStream(request.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            file.Position = request.FilePosition ?? 0;
            await file.ReadExactlyAsync(body, cancellationToken);
        }

        lock (_uploads)
        {
            Upload(request.UploadId)[request.PartNumber ?? 0] = body;
        }

        return new UploadPartResponse { ETag = ETagOf(body), PartNumber = request.PartNumber, HttpStatusCode = HttpStatusCode.OK };
    }

    public override Task<CompleteMultipartUploadResponse> CompleteMultipartUploadAsync(CompleteMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        Record($"COMPLETE {request.Key}");
        lock (_uploads)
        {
            var parts = Upload(request.UploadId);
            byte[] whole = [.. request.PartETags.OrderBy(p => p.PartNumber).SelectMany(p => parts[p.PartNumber ?? 0])];
            _uploads.Remove(request.UploadId);
            lock (Objects)
            {
                Objects[request.Key] = whole;
            }
        }

        return Task.FromResult(new CompleteMultipartUploadResponse { Key = request.Key, HttpStatusCode = HttpStatusCode.OK });
    }

    public override Task<AbortMultipartUploadResponse> AbortMultipartUploadAsync(AbortMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        Record($"ABORT {request.Key}");
        lock (_uploads)
        {
            _uploads.Remove(request.UploadId);
        }

        return Task.FromResult(new AbortMultipartUploadResponse { HttpStatusCode = HttpStatusCode.NoContent });
    }

    public override Task<ListMultipartUploadsResponse> ListMultipartUploadsAsync(ListMultipartUploadsRequest request, CancellationToken cancellationToken = default) =>
        throw new AmazonS3Exception("not implemented", Amazon.Runtime.ErrorType.Sender, "NotImplemented", "r", HttpStatusCode.NotImplemented);

    private SortedDictionary<int, byte[]> Upload(string id) =>
        _uploads.TryGetValue(id, out var parts) ? parts : throw new AmazonS3Exception("NoSuchUpload", Amazon.Runtime.ErrorType.Sender, "NoSuchUpload", "r", HttpStatusCode.NotFound);

    private void Record(string line)
    {
        lock (Log)
        {
            Log.Add(line);
        }
    }
}
