namespace Watcher.Maintenance;

/// <summary>
/// Decides what <c>gc</c> deletes. Live are the narinfos modified within keep-days or the grace period, those of the
/// paths to keep, and the whole closure (by References) of all of these; every other narinfo is dead. A NAR object is
/// deleted when no surviving narinfo names it and it is older than the grace period (a writer uploads the NAR first).
/// </summary>
internal static class GcPlanner
{
    /// <param name="index">The listed cache.</param>
    /// <param name="now">The time the ages are measured from.</param>
    /// <param name="keepDays">Narinfos modified within this many days are live.</param>
    /// <param name="grace">Anything modified within this is live.</param>
    /// <param name="keep">Hash parts whose closures are live whatever their age.</param>
    public static GcPlan Plan(CacheIndex index, DateTimeOffset now, int keepDays, TimeSpan grace, IReadOnlySet<string> keep)
    {
        var recentSince = now - (TimeSpan.FromDays(keepDays) > grace ? TimeSpan.FromDays(keepDays) : grace);
        var live = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(index.NarInfos.Values.Where(e => e.Object.LastModified >= recentSince || keep.Contains(e.HashPart)).Select(e => e.HashPart));
        while (stack.TryPop(out string? hash))
        {
            if (!live.Add(hash))
            {
                continue;
            }

            foreach (string reference in index.NarInfos[hash].ReferenceHashes)
            {
                if (index.NarInfos.ContainsKey(reference) && !live.Contains(reference))
                {
                    stack.Push(reference);
                }
            }
        }

        var levels = ReferrersFirst(index.NarInfos.Values.Where(e => !live.Contains(e.HashPart)));
        var named = new HashSet<string>(
            index.NarInfos.Values.Where(e => live.Contains(e.HashPart) && e.Info is not null).Select(e => e.Info!.Url),
            StringComparer.Ordinal);
        var graceSince = now - grace;
        var deadNars = index.Nars.Values.Where(n => !named.Contains(n.Key) && n.LastModified < graceSince).OrderBy(n => n.Key, StringComparer.Ordinal).ToList();
        return new GcPlan(live, levels, deadNars);
    }

    /// <summary>
    /// Narinfos to delete in levels, referrers before references, so that at no moment of the deletion a remaining
    /// narinfo refers to a deleted one. The sets deleted (gc's dead narinfos, repair's pruned ones) are closed under
    /// referrers, so deleting level by level keeps every remaining closure whole.
    /// </summary>
    public static List<IReadOnlyList<NarInfoEntry>> ReferrersFirst(IEnumerable<NarInfoEntry> entries)
    {
        var dead = entries.ToDictionary(e => e.HashPart, StringComparer.Ordinal);
        var referrerCount = dead.Keys.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        foreach (var entry in dead.Values)
        {
            foreach (string reference in entry.ReferenceHashes.Distinct(StringComparer.Ordinal))
            {
                if (referrerCount.TryGetValue(reference, out int count))
                {
                    referrerCount[reference] = count + 1;
                }
            }
        }

        var levels = new List<IReadOnlyList<NarInfoEntry>>();
        var current = dead.Values.Where(e => referrerCount[e.HashPart] == 0).OrderBy(e => e.HashPart, StringComparer.Ordinal).ToList();
        int placed = 0;
        while (current.Count > 0)
        {
            levels.Add(current);
            placed += current.Count;
            var next = new List<NarInfoEntry>();
            foreach (var entry in current)
            {
                foreach (string reference in entry.ReferenceHashes.Distinct(StringComparer.Ordinal))
                {
                    if (referrerCount.TryGetValue(reference, out int count) && (referrerCount[reference] = count - 1) == 0)
                    {
                        next.Add(dead[reference]);
                    }
                }
            }

            current = [.. next.OrderBy(e => e.HashPart, StringComparer.Ordinal)];
        }

        if (placed < dead.Count)
        {
            // Only a damaged cache has a reference cycle: those narinfos go last, together.
            levels.Add([.. dead.Values.Where(e => referrerCount[e.HashPart] > 0).OrderBy(e => e.HashPart, StringComparer.Ordinal)]);
        }

        return levels;
    }
}
