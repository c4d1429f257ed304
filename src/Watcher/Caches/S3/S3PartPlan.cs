using Watcher.Core;

namespace Watcher.Caches.S3;

/// <summary>
/// How one object goes up: a single PutObject, or multipart with equal parts (the last one shorter).
/// </summary>
/// <remarks>
/// Parts are scaled to the object rather than always the cap: a 150 MB NAR with a 64 MiB cap goes up
/// as three ~50 MB parts instead of 64 + 64 + 22, which spreads the work evenly over the parallel
/// part uploads. The cap keeps every request under the per-request limit of proxies in front of
/// self-hosted S3 (e.g. 100 MB at Cloudflare).
/// </remarks>
internal sealed record S3PartPlan(long ObjectSize, long PartSize, int PartCount)
{
    /// <summary>The smallest part S3 accepts (except the last one).</summary>
    public const long MinPartSize = 5L << 20;

    /// <summary>The most parts one multipart upload may have.</summary>
    public const int MaxParts = 10_000;

    /// <summary>Parts are rounded up to whole MiB, which keeps them aligned and easy to read in logs.</summary>
    private const long Alignment = 1L << 20;

    /// <summary>True when the object goes up as one PutObject.</summary>
    public bool IsSinglePut => PartCount <= 1;

    /// <summary>Plans the upload of <paramref name="objectSize"/> bytes with parts of at most <paramref name="maxPartSize"/>.</summary>
    /// <exception cref="CacheUploadException">More than <see cref="MaxParts"/> parts would be needed (reason <see cref="FailureReason.TooLarge"/>).</exception>
    public static S3PartPlan For(long objectSize, long maxPartSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(objectSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPartSize, MinPartSize);
        if (objectSize <= maxPartSize)
        {
            return new S3PartPlan(objectSize, objectSize, 1);
        }

        long count = DivideRoundingUp(objectSize, maxPartSize);
        if (count > MaxParts)
        {
            throw new CacheUploadException(
                $"the NAR is {objectSize} bytes: more than {MaxParts} parts of at most {maxPartSize >> 20} MiB; raise part-size-mb",
                FailureReason.TooLarge);
        }

        long partSize = Math.Max(MinPartSize, DivideRoundingUp(DivideRoundingUp(objectSize, count), Alignment) * Alignment);
        partSize = Math.Min(partSize, maxPartSize);
        return new S3PartPlan(objectSize, partSize, (int)DivideRoundingUp(objectSize, partSize));
    }

    /// <summary>The byte offset of part <paramref name="index"/> (0-based).</summary>
    public long Offset(int index) => index * PartSize;

    /// <summary>The length of part <paramref name="index"/> (0-based): <see cref="PartSize"/>, except the last.</summary>
    public long Length(int index) => Math.Min(PartSize, ObjectSize - Offset(index));

    private static long DivideRoundingUp(long value, long divisor) => (value + divisor - 1) / divisor;
}
