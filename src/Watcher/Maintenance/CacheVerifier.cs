using Watcher.Caches;
using Watcher.Nix;

namespace Watcher.Maintenance;

/// <summary>
/// The checks of <c>verify</c> on a listed cache: each narinfo is signed by the cache's key, names a NAR object that
/// exists with its FileSize, and has a narinfo for every reference. What the listing says is missing is looked up
/// once more before it is reported, so a writer that published while the listing ran is not taken for damage.
/// </summary>
internal sealed class CacheVerifier(ICacheObjects objects, NixPublicKey publicKey)
{
    /// <summary>Checks every parsed narinfo of <paramref name="index"/>; returns the problems found.</summary>
    public async Task<List<CacheProblem>> CheckAsync(CacheIndex index, CancellationToken cancellationToken)
    {
        var problems = new List<CacheProblem>();
        var recheck = new List<(CacheProblem Problem, string Key, long? Size)>();
        foreach (var entry in index.NarInfos.Values)
        {
            if (entry.Info is not { } info)
            {
                continue;
            }

            string path = info.StorePath.FullPath;
            if (!info.Signatures.Any(s => publicKey.Verify(info.Fingerprint, s)))
            {
                string detail = info.Signatures.Any(s => s.StartsWith(publicKey.Name + ":", StringComparison.Ordinal))
                    ? $"the signature by {publicKey.Name} does not match the narinfo"
                    : $"not signed by {publicKey.Name}";
                problems.Add(new CacheProblem(ProblemKind.BadSignature, entry.HashPart, path, entry.Key, detail));
            }

            if (!IsCacheKey(info.Url))
            {
                problems.Add(new CacheProblem(ProblemKind.NarMissing, entry.HashPart, path, info.Url, "the URL does not name an object of this cache"));
            }
            else if (!index.Nars.TryGetValue(info.Url, out var nar))
            {
                recheck.Add((new CacheProblem(ProblemKind.NarMissing, entry.HashPart, path, info.Url, "the NAR object does not exist"), info.Url, info.FileSize));
            }
            else if (info.FileSize is { } size && nar.Size != size)
            {
                recheck.Add((new CacheProblem(ProblemKind.NarSize, entry.HashPart, path, info.Url, $"the NAR object has {nar.Size} bytes, the narinfo says FileSize {size}"), info.Url, size));
            }

            foreach (var reference in info.References.Where(r => r != info.StorePath))
            {
                if (!index.NarInfos.ContainsKey(reference.HashPart))
                {
                    string key = CacheKeys.NarInfoKey(reference.HashPart);
                    recheck.Add((new CacheProblem(ProblemKind.ReferenceMissing, entry.HashPart, path, key, $"its reference {reference.FullPath} has no narinfo"), key, null));
                }
            }
        }

        foreach (var (problem, key, size) in recheck)
        {
            var now = await objects.StatAsync(key, cancellationToken);
            bool fine = problem.Kind == ProblemKind.NarSize ? now is not null && now.Size == size : now is not null;
            if (!fine)
            {
                problems.Add(problem);
            }
        }

        return problems;
    }

    /// <summary>Whether a narinfo's URL is a key of this cache (relative, inside it), not a link elsewhere.</summary>
    public static bool IsCacheKey(string url) =>
        url.Length > 0
        && !url.StartsWith('/')
        && !url.Contains("://", StringComparison.Ordinal)
        && !url.Split('/').Any(segment => segment is "" or "." or "..");
}
