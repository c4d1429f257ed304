using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Nix;
using Watcher.Push;

namespace Watcher.Cli.Display;

/// <summary>
/// What one cache's part of a one-shot push has done so far: paths ended, NAR bytes sent and still to send. Its
/// <see cref="PushSession"/> tells it each outcome; the uploads in flight and their bytes come from the cache's
/// <see cref="CacheActivity"/>. Read by the live display a few times a second.
/// </summary>
internal sealed class CacheProgress(string name, CacheActivity activity, IReadOnlyList<PathInfo> paths) : IPushObserver
{
    private readonly long _narBytes = paths.Sum(p => p.NarSize);
    private int _done;
    private int _pushed;
    private int _failed;
    private long _sentBytes;
    private long _unsentBytes;
    private int _ended;

    public string Name => name;

    public CacheActivity Activity => activity;

    /// <summary>The upload limits this cache's bodies take from (<c>max-upload-rate</c>); none when null.</summary>
    public UploadThrottle? Throttle { get; init; }

    /// <summary>The tighter of the cache's own limit and the limit of all caches in force now; null for none.</summary>
    public long? RateLimit => new[] { Throttle?.Cache?.Current, Throttle?.Global?.Current }.Where(r => r is not null).Min();

    /// <summary>Paths this push is about, in this cache.</summary>
    public int Paths => paths.Count;

    /// <summary>Paths whose outcome is known.</summary>
    public int Done => Volatile.Read(ref _done);

    /// <summary>Paths uploaded by this push.</summary>
    public int Pushed => Volatile.Read(ref _pushed);

    /// <summary>Paths that did not get into the cache.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Whether the cache has answered which paths it lacks (a path has ended or a NAR is going up).</summary>
    public bool Known => Done > 0 || activity.InFlight > 0;

    /// <summary>Whether this cache's part of the push is over.</summary>
    public bool Ended => Volatile.Read(ref _ended) != 0;

    /// <summary>NAR bytes this push sends: those of all paths but the ones that turned out to need no upload or failed.</summary>
    public long BytesToSend => _narBytes - Interlocked.Read(ref _unsentBytes);

    /// <summary>NAR bytes sent: those of the paths pushed, and what the uploads in flight have read so far.</summary>
    public long BytesSent => Interlocked.Read(ref _sentBytes) + activity.Uploads.Sum(u => u.BytesRead);

    public void Finished(PathInfo info, PathOutcome outcome)
    {
        Interlocked.Add(ref outcome.Kind == PathOutcomeKind.Pushed ? ref _sentBytes : ref _unsentBytes, info.NarSize);
        if (outcome.Kind is PathOutcomeKind.Failed or PathOutcomeKind.Deferred)
        {
            Interlocked.Increment(ref _failed);
        }
        else if (outcome.Kind == PathOutcomeKind.Pushed)
        {
            Interlocked.Increment(ref _pushed);
        }

        Interlocked.Increment(ref _done);
    }

    public void End() => Volatile.Write(ref _ended, 1);
}
