using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace Watcher.Caches.S3;

/// <content>
/// First writer wins: PutObject with <c>If-None-Match: *</c>, so that a late-landing retry or a held write never
/// replaces what another writer (or an earlier attempt) put in place, and what to do when it finds something there.
/// </content>
internal sealed partial class S3Bucket
{
    private S3ConditionalWrites? _conditionalWrites;
    private int _refusalLogged;

    /// <summary>What this cache's server does with <c>If-None-Match: *</c>, as far as its answers told.</summary>
    public S3ConditionalWrites ConditionalWrites => _conditionalWrites ??= new S3ConditionalWrites(_errors.Where);

    /// <summary>Deletes the object at <paramref name="key"/> (a missing one is no error).</summary>
    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        SendAsync($"deleting {key}", RequestKind.Repeatable, async ct =>
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, ct);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Sends the PutObject <paramref name="build"/> makes with <c>If-None-Match: *</c> while the server takes it.
    /// A server that refuses the header is told once per cache (logged), and this and every later write go without it.
    /// </summary>
    /// <returns>The server's answer, null when it answered 412 (an object is in place, and nothing was written); and
    /// whether the request that was stored carried the header (so that, where the server honours it, it created the object).</returns>
    private async Task<(PutObjectResponse? Response, bool Conditional)> PutIfAbsentAsync(Func<PutObjectRequest> build, CancellationToken cancellationToken)
    {
        var conditional = ConditionalWrites;
        if (conditional.Send)
        {
            var request = build();
            request.IfNoneMatch = "*";
            try
            {
                return (await _client.PutObjectAsync(request, cancellationToken), true);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                conditional.Honoured();
                return (null, true);
            }
            catch (AmazonS3Exception ex) when (S3ConditionalWrites.IsRefusal(ex))
            {
                conditional.Refused((int)ex.StatusCode);
                if (Interlocked.Exchange(ref _refusalLogged, 1) == 0)
                {
                    Log.ConditionalRefused(_logger, _errors.Where, (int)ex.StatusCode, string.IsNullOrEmpty(ex.ErrorCode) ? "no code" : ex.ErrorCode);
                }
            }
        }

        return (await _client.PutObjectAsync(build(), cancellationToken), false);
    }

    /// <summary>Whether the object at <paramref name="key"/> holds the bytes whose MD5 is <paramref name="md5"/>, checked as an upload is (ETag, else size).</summary>
    private async Task<bool> HoldsAsync(string key, byte[] md5, long size, CancellationToken cancellationToken) =>
        await HeadAsync(key, cancellationToken) is { } head && head.ContentLength == size && ObjectChecksum.Matches(head.ETag, md5);

    /// <summary>The text of the object at <paramref name="key"/>, or null when there is none.</summary>
    private Task<string?> ReadTextAsync(string key, CancellationToken cancellationToken) =>
        SendAsync($"reading {key}", RequestKind.Repeatable, async ct =>
        {
            try
            {
                using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = key }, ct);
                using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
                return await reader.ReadToEndAsync(ct);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1319, EventName = "S3DamagedInPlace", Level = LogLevel.Warning, Message = "{Key} in {Where} holds other bytes than its name says (an interrupted or damaged write); writing it over")]
        public static partial void DamagedInPlace(ILogger logger, string key, string where);

        [LoggerMessage(EventId = 1320, EventName = "S3ConditionalRefused", Level = LogLevel.Warning, Message = "{Where}: the server refuses If-None-Match: * (HTTP {Status}, {Code}); objects go up without it, so a late retry of another writer can replace a narinfo (last writer wins)")]
        public static partial void ConditionalRefused(ILogger logger, string where, int status, string code);
    }
}

/// <summary>What a write of a staged file that goes up only if nothing is in place did.</summary>
internal enum ConditionalPut
{
    /// <summary>
    /// Its PutObject carried <c>If-None-Match: *</c> and was stored: where the server honours the header, nothing was
    /// there before and this write created the object. (A server that ignores it answers so too; there no narinfo is
    /// ever found in place either, so nothing is deleted for it.)
    /// </summary>
    Created,

    /// <summary>Stored without the header (a multipart upload, a server that refuses it, a damaged object written over): it may have replaced one.</summary>
    Written,

    /// <summary>An intact object with these bytes was in place; nothing was written.</summary>
    InPlace,
}
