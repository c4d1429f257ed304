using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Amazon.S3;

namespace Watcher.Caches.S3;

/// <summary>What a server was seen to do with <c>If-None-Match: *</c> on a PutObject.</summary>
internal enum ConditionalWriteSupport
{
    /// <summary>Sent, and no write has found an object in place yet: honoured or ignored, nothing has told.</summary>
    Unknown,

    /// <summary>A write found an object in place and the server answered 412: nothing already there is written over.</summary>
    Honoured,

    /// <summary>The server refused a write that carried the header (HTTP 501 or 400): writes go without it.</summary>
    Refused,
}

/// <summary>
/// Whether one cache's writes carry <c>If-None-Match: *</c> (first writer wins), as learnt from its server's answers:
/// once per cache, for the process, and readable by <c>check</c> by the cache's description (as <see cref="S3Errors.Where"/> names it).
/// </summary>
/// <remarks>
/// A server that ignores the header (s3rver, Ceph RGW's dbstore driver) cannot be told from one that honours it until a
/// write finds an object in place; sending it there changes nothing, so nothing needs telling. A server that refuses it
/// is told by its first write, which is sent again without the header, as every later one.
/// </remarks>
internal sealed class S3ConditionalWrites(string where)
{
    private static readonly ConcurrentDictionary<string, (ConditionalWriteSupport Support, int Status)> Known = new(StringComparer.Ordinal);

    /// <summary>The error codes with which servers that lack conditional writes answer a 400 to the header.</summary>
    private static readonly HashSet<string> RefusalCodes = new(StringComparer.Ordinal)
    {
        string.Empty, "NotImplemented", "InvalidArgument", "InvalidRequest", "InvalidHeader", "UnsupportedHeader",
    };

    /// <summary>Whether writes still carry the header.</summary>
    public bool Send => Support != ConditionalWriteSupport.Refused;

    public ConditionalWriteSupport Support => Known.TryGetValue(where, out var known) ? known.Support : ConditionalWriteSupport.Unknown;

    /// <summary>Whether <paramref name="exception"/>, the answer to a PutObject with the header, refuses the header itself.</summary>
    public static bool IsRefusal(AmazonS3Exception exception) =>
        exception.StatusCode == HttpStatusCode.NotImplemented
        || (exception.StatusCode == HttpStatusCode.BadRequest && RefusalCodes.Contains(exception.ErrorCode ?? string.Empty));

    /// <summary>What <c>check -v</c> says about the cache at <paramref name="where"/>.</summary>
    public static string Describe(string where) => Known.TryGetValue(where, out var known) ? Describe(known.Support, known.Status) : Describe(ConditionalWriteSupport.Unknown, 0);

    public static string Describe(ConditionalWriteSupport support, int status) => support switch
    {
        ConditionalWriteSupport.Honoured => "first writer wins: the server honours If-None-Match: *",
        ConditionalWriteSupport.Refused => string.Create(CultureInfo.InvariantCulture, $"the server refuses If-None-Match: * (HTTP {status}); writes go without it and the last writer wins"),
        _ => "writes carry If-None-Match: *; whether the server honours it shows at the first write that finds an object in place (check writes nothing)",
    };

    /// <summary>A write found an object in place and was refused with 412.</summary>
    public void Honoured() => Known.TryAdd(where, (ConditionalWriteSupport.Honoured, 412));

    /// <summary>The server refused the header with <paramref name="status"/>.</summary>
    public void Refused(int status) => Known[where] = (ConditionalWriteSupport.Refused, status);
}
