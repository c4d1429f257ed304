namespace Watcher.State;

/// <content>Corrections of the pushed set from what <c>verify</c>, <c>verify --repair</c> and <c>gc</c> found in a cache.</content>
internal sealed partial class StateStore
{
    /// <summary>The paths the journal says <paramref name="cache"/> has.</summary>
    public IReadOnlyList<string> PushedPaths(string cache) =>
        Query("SELECT path FROM pushed WHERE cache = $cache", c => c.Parameters.AddWithValue("$cache", cache), r => r.GetString(0));

    /// <summary>Forgets that <paramref name="cache"/> has <paramref name="paths"/>: they were removed, or are not whole there.</summary>
    public void ForgetPushed(string cache, IEnumerable<string> paths) =>
        Batch("DELETE FROM pushed WHERE cache = $cache AND path = $path", paths, (c, p) =>
        {
            c.Parameters.AddWithValue("$cache", cache);
            c.Parameters.AddWithValue("$path", p);
        });
}
