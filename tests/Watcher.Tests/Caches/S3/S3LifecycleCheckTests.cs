using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Caches.S3;

namespace Watcher.Tests.Caches.S3;

public sealed class S3LifecycleCheckTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("nar/", true)]
    [InlineData("na", true)]
    [InlineData("nar/0a", true)]
    [InlineData("0a1b", true)]
    [InlineData("nix-cache", true)]
    [InlineData("logs/", false)]
    [InlineData("tmp/", false)]
    [InlineData("uploads", false)]
    public void CoversCacheKeys_Prefix_TrueWhenNarinfosNarsOrCacheInfoMatch(string prefix, bool expected) =>
        Assert.Equal(expected, S3LifecycleCheck.CoversCacheKeys(prefix));

#pragma warning disable CS0618 // The SDK reads some filters into the obsolete predicate form; the check must handle both.
    [Fact]
    public void ExpiringRules_EnabledExpirationOverTheCache_IsReportedWithItsIdAndAge()
    {
        LifecycleRule[] rules =
        [
            new() { Id = "expire-30", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Prefix = string.Empty }, Expiration = new LifecycleRuleExpiration { Days = 30 } },
            new() { Id = "disabled", Status = LifecycleRuleStatus.Disabled, Filter = new LifecycleFilter { Prefix = string.Empty }, Expiration = new LifecycleRuleExpiration { Days = 1 } },
            new() { Id = "logs-predicate", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { LifecycleFilterPredicate = new LifecyclePrefixPredicate { Prefix = "logs/" } }, Expiration = new LifecycleRuleExpiration { Days = 1 } },
            new() { Id = "logs", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Prefix = "logs/" }, Expiration = new LifecycleRuleExpiration { Days = 1 } },
            new() { Id = "tagged", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Tag = new Tag { Key = "tmp", Value = "1" } }, Expiration = new LifecycleRuleExpiration { Days = 1 } },
            new() { Id = "uploads-only", Status = LifecycleRuleStatus.Enabled, Filter = new LifecycleFilter { Prefix = string.Empty }, AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = 1 } },
        ];

        var expiring = S3LifecycleCheck.ExpiringRules(rules).ToList();

        var rule = Assert.Single(expiring);
        Assert.Equal("'expire-30' (prefix '', expires after 30 days)", rule);
    }
#pragma warning restore CS0618
}
