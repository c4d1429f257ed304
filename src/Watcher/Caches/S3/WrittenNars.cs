namespace Watcher.Caches.S3;

/// <summary>
/// The NARs one cache uploaded whose narinfos are still to go up: how many paths wait to name each, and whether this
/// cache created it in this push (rather than finding it in place). A NAR this cache created that no narinfo came to
/// name is deleted.
/// </summary>
/// <remarks>
/// <para>Only a NAR this cache created is ever deleted: its PutObject carried <c>If-None-Match: *</c> and the server
/// stored it, so nothing was there before. One found in place, written over (multipart, a damaged object, a server that
/// refuses the header), or named by a narinfo of this cache, may be another writer's or named, and stays.</para>
/// <para>A path counts from before the look at the bucket for its NAR until its narinfo goes up or fails: a NAR that is
/// being deleted is gone before another path of this cache looks for it (and writes it again), and one another path is
/// about to name is not deleted. An entry whose path never comes to publish (a reference failed, the push stopped) keeps
/// its NAR.</para>
/// </remarks>
internal sealed class WrittenNars
{
    private readonly Dictionary<string, Entry> _nars = new(StringComparer.Ordinal);

    /// <summary>
    /// Uploads a path's NAR to <paramref name="url"/> with <paramref name="upload"/> (true when it created the object),
    /// counted for that path from before the upload looks at the bucket; a deletion of that NAR under way ends first.
    /// </summary>
    public async Task UploadAsync(string url, Func<Task<bool>> upload, CancellationToken cancellationToken)
    {
        await ReserveAsync(url, cancellationToken);
        bool created;
        try
        {
            created = await upload();
        }
        catch
        {
            Failed(url);
            throw;
        }

        if (created)
        {
            lock (_nars)
            {
                if (_nars.TryGetValue(url, out var entry))
                {
                    entry.Created = true;
                }
            }
        }
    }

    /// <summary>A narinfo names the NAR at <paramref name="url"/>: this cache never deletes it.</summary>
    public void Named(string url)
    {
        lock (_nars)
        {
            if (!_nars.TryGetValue(url, out var entry) || entry.Deleting is not null)
            {
                return;
            }

            if (--entry.Waiting > 0)
            {
                entry.Created = false;
            }
            else
            {
                _nars.Remove(url);
            }
        }
    }

    /// <summary>
    /// A path's NAR upload, or the narinfo naming the NAR at <paramref name="url"/>, failed: the path no longer waits.
    /// Once none does, the NAR is no longer this push's: a later round that finds it in place does not delete it.
    /// </summary>
    public void Failed(string url)
    {
        lock (_nars)
        {
            if (_nars.TryGetValue(url, out var entry) && entry.Deleting is null && --entry.Waiting <= 0)
            {
                _nars.Remove(url);
            }
        }
    }

    /// <summary>Another writer's narinfo, naming another NAR, won the path of the NAR at <paramref name="url"/>.</summary>
    /// <returns>
    /// True when this cache created that NAR and no other path waits to name it: it is to be deleted, and
    /// <see cref="Deleted"/> said once that is over (whether it worked or not).
    /// </returns>
    public bool Lost(string url)
    {
        lock (_nars)
        {
            if (!_nars.TryGetValue(url, out var entry) || entry.Deleting is not null)
            {
                return false;
            }

            if (--entry.Waiting > 0)
            {
                return false;
            }

            if (!entry.Created)
            {
                _nars.Remove(url);
                return false;
            }

            entry.Deleting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return true;
        }
    }

    /// <summary>The deletion <see cref="Lost"/> asked for is over: a path waiting to upload that NAR looks again.</summary>
    public void Deleted(string url)
    {
        TaskCompletionSource? deleting;
        lock (_nars)
        {
            deleting = _nars.Remove(url, out var entry) ? entry.Deleting : null;
        }

        deleting?.TrySetResult();
    }

    private async Task ReserveAsync(string url, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task deleting;
            lock (_nars)
            {
                if (!_nars.TryGetValue(url, out var entry))
                {
                    _nars[url] = new Entry { Waiting = 1 };
                    return;
                }

                if (entry.Deleting is null)
                {
                    entry.Waiting++;
                    return;
                }

                deleting = entry.Deleting.Task;
            }

            await deleting.WaitAsync(cancellationToken);
        }
    }

    private sealed class Entry
    {
        /// <summary>How many paths whose NAR this is have not published or failed yet.</summary>
        public int Waiting { get; set; }

        /// <summary>Whether a conditional PutObject of this push created the object.</summary>
        public bool Created { get; set; }

        /// <summary>Set while the NAR is being deleted.</summary>
        public TaskCompletionSource? Deleting { get; set; }
    }
}
