using Watcher.Caches;

namespace Watcher.Maintenance;

/// <summary>
/// What a cache holds, as listed: its narinfos (parsed) by hash part and its NAR objects by key. Objects that are
/// neither (logs, <c>.ls</c> listings, realisations, temporary files) are not kept.
/// </summary>
internal sealed class CacheIndex
{
    /// <summary>The narinfos by hash part.</summary>
    public Dictionary<string, NarInfoEntry> NarInfos { get; } = new(StringComparer.Ordinal);

    /// <summary>The NAR objects by key.</summary>
    public Dictionary<string, CacheObject> Nars { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether <c>nix-cache-info</c> was listed.</summary>
    public bool HasCacheInfo { get; set; }

    /// <summary>The number of objects listed, of any kind.</summary>
    public long Listed { get; set; }

    /// <summary>Adds a listed object to the index if it is a narinfo or a NAR; narinfos are parsed later.</summary>
    public void AddListed(CacheObject entry)
    {
        Listed++;
        if (entry.Key == CacheKeys.CacheInfoKey)
        {
            HasCacheInfo = true;
        }
        else if (CacheKeys.NarInfoHash(entry.Key) is { } hash)
        {
            NarInfos[hash] = new NarInfoEntry(hash, entry, null);
        }
        else if (CacheKeys.IsNarKey(entry.Key))
        {
            Nars[entry.Key] = entry;
        }
    }

    /// <summary>NAR objects no parsed narinfo names: what a writer uploaded before its narinfo, or left behind.</summary>
    public IEnumerable<CacheObject> Orphans()
    {
        var named = new HashSet<string>(NarInfos.Values.Where(e => e.Info is not null).Select(e => e.Info!.Url), StringComparer.Ordinal);
        return Nars.Values.Where(n => !named.Contains(n.Key));
    }

    /// <summary>For each hash part, the narinfos whose references include it.</summary>
    public Dictionary<string, List<string>> Referrers()
    {
        var referrers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var entry in NarInfos.Values)
        {
            foreach (string reference in entry.ReferenceHashes)
            {
                if (!referrers.TryGetValue(reference, out var list))
                {
                    referrers[reference] = list = [];
                }

                list.Add(entry.HashPart);
            }
        }

        return referrers;
    }
}
