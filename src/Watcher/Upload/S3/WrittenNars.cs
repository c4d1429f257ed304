namespace Watcher.Upload.S3;

/// <summary>
/// The NARs one cache uploaded whose narinfos are still to go up: how many paths wait to name each, and whether this
/// cache wrote it (rather than finding it in place). A NAR this cache wrote that no narinfo came to name is deleted.
/// </summary>
/// <remarks>
/// Only a NAR this cache put in place is ever deleted: one found there may be another writer's, named by its narinfo.
/// An entry whose path never comes to publish (a reference failed, the push stopped) stays, and its NAR with it.
/// </remarks>
internal sealed class WrittenNars
{
    private readonly Dictionary<string, (int Waiting, bool Ours)> _nars = new(StringComparer.Ordinal);

    /// <summary>A path's NAR is at <paramref name="url"/>; <paramref name="written"/> when this upload put it there.</summary>
    public void Uploaded(string url, bool written)
    {
        lock (_nars)
        {
            var (waiting, ours) = _nars.GetValueOrDefault(url);
            _nars[url] = (waiting + 1, ours || written);
        }
    }

    /// <summary>A narinfo names the NAR at <paramref name="url"/>: it is never deleted.</summary>
    public void Named(string url)
    {
        lock (_nars)
        {
            if (_nars.TryGetValue(url, out var entry) && entry.Waiting > 1)
            {
                _nars[url] = (entry.Waiting - 1, false);
            }
            else
            {
                _nars.Remove(url);
            }
        }
    }

    /// <summary>A narinfo naming the NAR at <paramref name="url"/> failed to go up; it may be published in a later round.</summary>
    public void Failed(string url)
    {
        lock (_nars)
        {
            if (_nars.TryGetValue(url, out var entry))
            {
                _nars[url] = (Math.Max(entry.Waiting - 1, 0), entry.Ours);
            }
        }
    }

    /// <summary>Another writer's narinfo, naming another NAR, won the path of the NAR at <paramref name="url"/>.</summary>
    /// <returns>True when this cache wrote that NAR and no other path waits to name it: it is to be deleted.</returns>
    public bool Lost(string url)
    {
        lock (_nars)
        {
            if (!_nars.TryGetValue(url, out var entry))
            {
                return false;
            }

            if (entry.Waiting > 1)
            {
                _nars[url] = (entry.Waiting - 1, entry.Ours);
                return false;
            }

            _nars.Remove(url);
            return entry.Ours;
        }
    }
}
