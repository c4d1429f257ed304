using System.Globalization;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Watcher.Nix;

namespace Watcher.Caches.S3;

/// <summary>
/// For <c>nix-watcher check</c>: finds bucket lifecycle rules that expire the cache's objects by age. Such a rule
/// deletes a NAR or a reference while a narinfo that needs it stays, and Nix then fails in the middle of a
/// substitution; <c>nix-watcher gc</c> is the closure-safe replacement (docs/operations.md).
/// </summary>
internal static class S3LifecycleCheck
{
    /// <summary>Reads the bucket's lifecycle configuration and describes what is wrong with it.</summary>
    /// <returns>A warning to show, or <see langword="null"/> when no rule expires the cache's objects.</returns>
    public static async Task<string?> CheckAsync(S3Bucket bucket, CancellationToken cancellationToken)
    {
        IReadOnlyList<LifecycleRule> rules;
        try
        {
            rules = await bucket.LifecycleRulesAsync(cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed or HttpStatusCode.BadRequest)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the server does not report lifecycle rules (HTTP {(int)ex.StatusCode}); if it expires objects by age, replace that with nix-watcher gc (docs/operations.md)");
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.Forbidden)
        {
            return "cannot read the bucket's lifecycle rules (access denied); if one expires objects by age, replace it with nix-watcher gc (docs/operations.md)";
        }

        var expiring = ExpiringRules(rules).ToList();
        return expiring.Count == 0
            ? null
            : $"the bucket's lifecycle {(expiring.Count == 1 ? "rule" : "rules")} {string.Join("; ", expiring)} "
              + "delete objects by age alone: a narinfo can outlive its NAR or a reference, and Nix then fails in the middle of a substitution. "
              + "Remove the expiration and run nix-watcher gc instead, which deletes whole closures only (docs/operations.md)";
    }

    /// <summary>Descriptions of the enabled rules that expire objects whose keys the cache uses.</summary>
    public static IEnumerable<string> ExpiringRules(IEnumerable<LifecycleRule> rules)
    {
        foreach (var rule in rules)
        {
            if (rule.Status != LifecycleRuleStatus.Enabled || rule.Expiration is not { } expiration || (expiration.Days is not > 0 && expiration.Date is null))
            {
                continue;
            }

            var (prefix, tagged) = FilterOf(rule);

            // Watcher's objects carry no tags: a rule that filters on tags never touches them.
            if (tagged)
            {
                continue;
            }

            if (!CoversCacheKeys(prefix))
            {
                continue;
            }

            string when = expiration.Days is > 0
                ? string.Create(CultureInfo.InvariantCulture, $"after {expiration.Days} days")
                : string.Create(CultureInfo.InvariantCulture, $"on {expiration.Date:yyyy-MM-dd}");
            yield return $"'{rule.Id ?? "(no id)"}' (prefix '{prefix}', expires {when})";
        }
    }

    /// <summary>The key prefix a rule applies to and whether it also requires tags, in any of the shapes the SDK reads a filter into.</summary>
    private static (string Prefix, bool Tagged) FilterOf(LifecycleRule rule)
    {
        // Rules written in the first lifecycle format carry the prefix on the rule itself; the SDK reads newer
        // filters either into properties or into predicates.
#pragma warning disable CS0618
        var predicates = rule.Filter?.LifecycleFilterPredicate switch
        {
            LifecycleAndOperator and => and.Operands ?? [],
            { } single => [single],
            null => new List<LifecycleFilterPredicate>(),
        };
        string prefix = rule.Filter?.Prefix
            ?? rule.Filter?.And?.Prefix
            ?? predicates.OfType<LifecyclePrefixPredicate>().Select(p => p.Prefix).FirstOrDefault()
            ?? rule.Prefix
            ?? string.Empty;
#pragma warning restore CS0618
        bool tagged = rule.Filter?.Tag is not null || rule.Filter?.And?.Tags is { Count: > 0 } || predicates.OfType<LifecycleTagPredicate>().Any();
        return (prefix, tagged);
    }

    /// <summary>Whether keys with <paramref name="prefix"/> include narinfos, NARs or <c>nix-cache-info</c>.</summary>
    public static bool CoversCacheKeys(string prefix) =>
        prefix.Length == 0
        || CacheKeys.NarPrefix.StartsWith(prefix, StringComparison.Ordinal)
        || prefix.StartsWith(CacheKeys.NarPrefix, StringComparison.Ordinal)
        || CacheKeys.CacheInfoKey.StartsWith(prefix, StringComparison.Ordinal)
        || (prefix.Length <= StorePath.HashLength && prefix.All(Nix32.IsValidChar))
        || (CacheKeys.NarInfoHash(prefix) is not null);
}
