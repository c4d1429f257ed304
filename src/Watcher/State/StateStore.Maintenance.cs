namespace Watcher.State;

/// <content>
/// Corrections of the pushed set from what <c>verify</c>, <c>verify --repair</c>, <c>gc</c> and a wiped cache showed, and
/// the pruning of paths the store no longer has.
/// </content>
internal sealed partial class StateStore
{
    /// <summary>The paths the journal says <paramref name="cache"/> has.</summary>
    public IReadOnlyList<string> PushedPaths(string cache) =>
        Query("SELECT path FROM pushed WHERE cache = $cache", c => c.Parameters.AddWithValue("$cache", cache), r => r.GetString(0));

    /// <summary>
    /// Forgets that <paramref name="cache"/> has <paramref name="paths"/>, which were removed on purpose (<c>gc</c>): the
    /// daemon pushes one again when something new refers to it, or its configured roots contain it.
    /// </summary>
    public void ForgetPushed(string cache, IEnumerable<string> paths) =>
        Batch("DELETE FROM pushed WHERE cache = $cache AND path = $path", paths, (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p);
        });

    /// <summary>
    /// Forgets that <paramref name="cache"/> has <paramref name="paths"/>, which it lost (they are not whole there, or it
    /// was wiped). They are also no longer seen, so that a scan that covers them (<c>scan = "all"</c>, a rescan) plans
    /// them again.
    /// </summary>
    public void ForgetLost(string cache, IEnumerable<string> paths) =>
        Batch("DELETE FROM pushed WHERE cache = $cache AND path = $path; DELETE FROM seen WHERE path = $path", paths, (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p);
        });

    /// <summary>Forgets everything <paramref name="cache"/> was known to have (it was wiped), as <see cref="ForgetLost"/> does.</summary>
    /// <returns>The paths forgotten.</returns>
    public IReadOnlyList<string> ForgetAllPushed(string cache)
    {
        var paths = PushedPaths(cache);
        ForgetLost(cache, paths);
        return paths;
    }

    /// <summary>Every path the journal remembers as seen by a scan or as in some cache.</summary>
    public IReadOnlyList<string> KnownPaths() =>
        Query("SELECT path FROM seen UNION SELECT path FROM pushed", _ => { }, r => r.GetString(0));

    /// <summary>Drops the seen and pushed rows of <paramref name="paths"/> (no longer valid in the store).</summary>
    public void DropPaths(IEnumerable<string> paths) =>
        Batch("DELETE FROM seen WHERE path = $path; DELETE FROM pushed WHERE path = $path", paths, (c, p) => c.Parameters.AddWithValue("$path", p));
}
