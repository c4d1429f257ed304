using Amazon.S3.Model;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <content>The rewrite of an object too large to hold in memory, when a copy onto itself did not move its time.</content>
internal sealed partial class S3CacheObjects
{
    /// <summary>
    /// Reads the object into a temporary file and writes it back from there as an upload does (Content-MD5, in parts
    /// when large, what the server stored checked): a NAR whose time the server would not move is refreshed, not
    /// reported gone and uploaded again from the store.
    /// </summary>
    private async Task<RefreshOutcome> RewriteLargeAsync(string key, GetObjectMetadataResponse head, CancellationToken cancellationToken)
    {
        string file = Path.Combine(Path.GetTempPath(), $"nix-watcher-rewrite-{Guid.NewGuid():N}");
        try
        {
            long read = await SendAsync(RequestKind.Single, async ct =>
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct);
                await using var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await response.ResponseStream.CopyToAsync(output, ct);
                return output.Length;
            }, cancellationToken);
            if (read != head.ContentLength)
            {
                throw new CacheUploadException($"{Where}: rewriting {key}: read {read} of its {head.ContentLength} bytes", FailureReason.Damaged);
            }

            // As for a small object: not brought back if it was deleted while it was read.
            if (await HeadAsync(key, cancellationToken) is null)
            {
                return RefreshOutcome.Missing;
            }

            await _writer.PutFileAsync(key, file, head.Headers.ContentType, cancellationToken);
            return RefreshOutcome.Refreshed;
        }
        catch (Amazon.S3.AmazonS3Exception ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotFound)
        {
            return RefreshOutcome.Missing;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw _errors.Wrap(ex, $"rewriting {key}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
