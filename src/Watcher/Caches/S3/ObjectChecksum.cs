using System.Security.Cryptography;
using Watcher.Core;

namespace Watcher.Caches.S3;

/// <summary>
/// The MD5s S3 speaks: the Content-MD5 a body is sent with (the server refuses a body that does not match it), and
/// the ETag it answers with (for a single PutObject or a part, the MD5 of what it stored).
/// </summary>
/// <remarks>MD5 here is S3's integrity protocol, not a security measure; the objects are signed narinfos and content-addressed NARs.</remarks>
internal static class ObjectChecksum
{
    /// <summary>The MD5 of <paramref name="bytes"/>.</summary>
    public static byte[] Md5(ReadOnlySpan<byte> bytes)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        md5.AppendData(bytes);
        return md5.GetHashAndReset();
    }

    /// <summary>The MD5 of <paramref name="length"/> bytes of the file at <paramref name="path"/> from <paramref name="offset"/>.</summary>
    public static async Task<byte[]> Md5Async(string path, long offset, long length, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        file.Position = offset;
        byte[] buffer = new byte[(int)Math.Min(1 << 20, Math.Max(length, 1))];
        for (long left = length; left > 0;)
        {
            int read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
            if (read == 0)
            {
                throw new IOException($"{path} ended {left} bytes before the part it should hold");
            }

            md5.AppendData(buffer, 0, read);
            left -= read;
        }

        return md5.GetHashAndReset();
    }

    /// <summary>Whether <paramref name="etag"/> is a plain MD5 (32 hex digits, quoted or not) rather than a multipart or opaque tag.</summary>
    public static bool IsMd5ETag(string? etag) =>
        etag?.Trim('"') is { Length: 32 } tag && tag.All(char.IsAsciiHexDigit);

    /// <summary>Whether <paramref name="etag"/> is no MD5 (nothing to tell by) or the MD5 <paramref name="md5"/>.</summary>
    public static bool Matches(string? etag, byte[] md5) =>
        !IsMd5ETag(etag) || etag!.Trim('"').Equals(Convert.ToHexString(md5), StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws <see cref="FailureReason.Damaged"/> when <paramref name="etag"/> is an MD5 other than <paramref name="md5"/>.</summary>
    public static void ThrowIfDamaged(S3Errors errors, string what, string? etag, byte[] md5)
    {
        if (!Matches(etag, md5))
        {
            throw new CacheUploadException(
                $"{errors.Where}: {what}: the server stored other bytes than were sent (its ETag is {etag!.Trim('"')}, the body's MD5 {Convert.ToHexStringLower(md5)}); sending it again",
                FailureReason.Damaged);
        }
    }
}
