using Watcher.Caches.S3;
using Watcher.Core;

namespace Watcher.Tests.Caches.S3;

public sealed class S3PartPlanTests
{
    private const long MiB = 1 << 20;

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(64 * MiB)]
    public void For_UpToTheCap_IsOnePut(long size)
    {
        var plan = S3PartPlan.For(size, 64 * MiB);

        Assert.True(plan.IsSinglePut);
        Assert.Equal(1, plan.PartCount);
    }

    [Theory]
    [InlineData(160_000_000L, 64, 3, 51)]
    [InlineData(64 * MiB + 1, 64, 2, 33)]
    [InlineData(12 * MiB, 5, 3, 5)]
    public void For_AboveTheCap_EqualPartsScaledToTheObject(long size, int capMb, int parts, int partMb)
    {
        var plan = S3PartPlan.For(size, capMb * MiB);

        Assert.Equal(parts, plan.PartCount);
        Assert.Equal(partMb * MiB, plan.PartSize);
    }

    [Theory]
    [InlineData(150_000_000L, 64)]
    [InlineData(5L << 30, 64)]
    [InlineData(600L << 30, 64)]
    [InlineData(99 * MiB + 7, 5)]
    [InlineData(1L << 40, 5120)]
    public void For_AnySize_PartsCoverTheObjectWithinS3Limits(long size, int capMb)
    {
        var plan = S3PartPlan.For(size, capMb * MiB);

        Assert.InRange(plan.PartCount, 2, S3PartPlan.MaxParts);
        Assert.InRange(plan.PartSize, S3PartPlan.MinPartSize, capMb * MiB);
        long covered = 0;
        for (int i = 0; i < plan.PartCount; i++)
        {
            Assert.Equal(covered, plan.Offset(i));
            Assert.InRange(plan.Length(i), 1, plan.PartSize);
            covered += plan.Length(i);
        }

        Assert.Equal(size, covered);
    }

    [Fact]
    public void For_MoreThanTenThousandPartsAtTheCap_IsTooLarge()
    {
        var ex = Assert.Throws<CacheUploadException>(() => S3PartPlan.For((64 * MiB * S3PartPlan.MaxParts) + 1, 64 * MiB));

        Assert.Equal(FailureReason.TooLarge, ex.Reason);
        Assert.Contains("part-size-mb", ex.Message, StringComparison.Ordinal);
    }
}
