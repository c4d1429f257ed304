using Watcher.Nix;

namespace Watcher.Maintenance;

/// <summary>
/// What a cache holds, as listed: its narinfos (parsed) by hash part and its NAR objects by key. Objects that are
/// neither (logs, <c>.ls</c> listings, realisations, temporary files) are not kept.
/// </summary>
internal sealed class CacheIndex
{
    public const string NarInfoSuffix = ".narinfo";
    public const string NarPrefix = "nar/";

    /// <summary>The narinfos by hash part.</summary>
    public Dictionary<string, NarInfoEntry> NarInfos { get; } = new(StringComparer.Ordinal);

    /// <summary>The NAR objects by key.</summary>
    public Dictionary<string, CacheObject> Nars { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether <c>nix-cache-info</c> was listed.</summary>
    public bool HasCacheInfo { get; set; }

    /// <summary>The number of objects listed, of any kind.</summary>
    public long Listed { get; set; }

    /// <summary>The hash part of a narinfo key (<c>&lt;32 nix32 chars&gt;.narinfo</c> at the root), or <see langword="null"/>.</summary>
    public static string? NarInfoHash(string key) =>
        key.Length == StorePath.HashLength + NarInfoSuffix.Length
        && key.EndsWith(NarInfoSuffix, StringComparison.Ordinal)
        && key.AsSpan(0, StorePath.HashLength).ToString().All(Nix32.IsValidChar)
            ? key[..StorePath.HashLength]
            : null;

    /// <summary>Whether <paramref name="key"/> is a NAR object: a file directly in <c>nar/</c>, not a temporary one.</summary>
    public static bool IsNarKey(string key) =>
        key.StartsWith(NarPrefix, StringComparison.Ordinal)
        && key.Length > NarPrefix.Length
        && key[NarPrefix.Length] != '.'
        && key.IndexOf('/', NarPrefix.Length) < 0;

    public static string NarInfoKey(string hashPart) => hashPart + NarInfoSuffix;

    /// <summary>Adds a listed object to the index if it is a narinfo or a NAR; narinfos are parsed later.</summary>
    public void AddListed(CacheObject entry)
    {
        Listed++;
        if (entry.Key == Upload.S3.S3Cache.CacheInfoKey)
        {
            HasCacheInfo = true;
        }
        else if (NarInfoHash(entry.Key) is { } hash)
        {
            NarInfos[hash] = new NarInfoEntry(hash, entry, null);
        }
        else if (IsNarKey(entry.Key))
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
