using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Caches.S3;

namespace Watcher.Tests.Caches.S3;

/// <summary>
/// A bucket in memory behind the SDK's own client type: PutObject (with <c>If-None-Match: *</c> honoured, ignored or
/// refused, as <see cref="Conditional"/> says), HEAD, GET, DELETE, a copy that keeps the last-modified time (as Ceph
/// RGW's does), and multipart uploads (<c>InMemoryS3Client.Multipart.cs</c>). Every request is in <see cref="Log"/>.
/// </summary>
internal sealed partial class InMemoryS3Client() : AmazonS3Client(new BasicAWSCredentials("k", "s"), new AmazonS3Config { ServiceURL = "http://127.0.0.1:9", ForcePathStyle = true })
{
    public enum Mode
    {
        Honours,
        Ignores,
        Refuses,
    }

    public Dictionary<string, byte[]> Objects { get; } = new(StringComparer.Ordinal);

    public List<string> Log { get; } = [];

    public Mode Conditional { get; init; } = Mode.Honours;

    /// <summary>The last-modified time every object has.</summary>
    public DateTime LastModified { get; init; } = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Runs before a PutObject is stored: a test can put another writer's object in place there.</summary>
    public Action<string>? BeforePut { get; set; }

    public override async Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default)
    {
        byte[] body = request.FilePath is { } path ? await File.ReadAllBytesAsync(path, cancellationToken) : ReadAll(request.InputStream);
        bool conditional = request.IfNoneMatch == "*";
        lock (Log)
        {
            Log.Add($"PUT {request.Key}{(conditional ? " if-none-match" : string.Empty)}");
        }

        BeforePut?.Invoke(request.Key);
        if (conditional && Conditional == Mode.Refuses)
        {
            throw new AmazonS3Exception("not implemented", ErrorType.Sender, "NotImplemented", "r", HttpStatusCode.NotImplemented);
        }

        lock (Objects)
        {
            if (conditional && Conditional == Mode.Honours && Objects.ContainsKey(request.Key))
            {
                throw new AmazonS3Exception("At least one of the pre-conditions you specified did not hold", ErrorType.Sender, "PreconditionFailed", "r", HttpStatusCode.PreconditionFailed);
            }

            Objects[request.Key] = body;
        }

        return new PutObjectResponse { ETag = ETagOf(body), HttpStatusCode = HttpStatusCode.OK };
    }

    /// <summary>Runs after a HEAD found an object, before its answer returns: a test can act between a look and what follows it.</summary>
    public Func<string, Task>? AfterHead { get; set; }

    public override async Task<GetObjectMetadataResponse> GetObjectMetadataAsync(GetObjectMetadataRequest request, CancellationToken cancellationToken = default)
    {
        byte[] body = Find(request.Key, "HEAD");
        if (AfterHead is { } afterHead)
        {
            await afterHead(request.Key);
        }

        return new GetObjectMetadataResponse { ETag = ETagOf(body), ContentLength = body.Length, LastModified = LastModified, HttpStatusCode = HttpStatusCode.OK };
    }

    public override Task<GetObjectResponse> GetObjectAsync(GetObjectRequest request, CancellationToken cancellationToken = default)
    {
        byte[] body = Find(request.Key, "GET");
        return Task.FromResult(new GetObjectResponse { ResponseStream = new MemoryStream(body), ContentLength = body.Length, HttpStatusCode = HttpStatusCode.OK });
    }

    public override Task<DeleteObjectResponse> DeleteObjectAsync(DeleteObjectRequest request, CancellationToken cancellationToken = default)
    {
        lock (Log)
        {
            Log.Add($"DELETE {request.Key}");
        }

        lock (Objects)
        {
            Objects.Remove(request.Key);
        }

        return Task.FromResult(new DeleteObjectResponse { HttpStatusCode = HttpStatusCode.NoContent });
    }

    public static string ETagOf(byte[] body) => $"\"{Convert.ToHexStringLower(ObjectChecksum.Md5(body))}\"";

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private byte[] Find(string key, string method)
    {
        lock (Log)
        {
            Log.Add($"{method} {key}");
        }

        lock (Objects)
        {
            return Objects.TryGetValue(key, out var body)
                ? body
                : throw new AmazonS3Exception("Not Found", ErrorType.Sender, "NoSuchKey", "r", HttpStatusCode.NotFound);
        }
    }
}
