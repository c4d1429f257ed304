using System.Globalization;
using Watcher.Caches;
using Watcher.Nix;
using Watcher.State;
using Watcher.Store;

namespace Watcher.Pipeline;

/// <summary>
/// Notices that a <c>file</c> or <c>s3</c> cache was wiped or replaced: its <c>nix-cache-info</c> is gone, or is not the one
/// seen before (kept in the state, so a wipe while the daemon was stopped counts too). The journal's record of what the
/// cache holds is then stale: it is forgotten, <c>nix-cache-info</c> is written again, and every path the cache was known
/// to have that the store still has is planned again, so that the scheduler pushes what the cache now lacks.
/// </summary>
/// <remarks>
/// The scheduler calls <see cref="CheckAsync"/> between rounds; it reads the identity at most once per
/// <see cref="Interval"/> (one HEAD a minute), so an idle daemon notices a wipe within about a minute.
/// </remarks>
internal sealed partial class CacheInfoWatch(CacheTarget target, StateStore state, IStoreQueries store, DiscoveryQueue queue, TimeProvider time, ILogger logger)
{
    /// <summary>The shortest time between two reads of the identity.</summary>
    public static readonly TimeSpan Interval = CacheScheduler.IdleRecheck;

    private CacheInfoIdentity? _known;
    private long? _lastCheck;
    private bool _wiped;

    /// <summary>Reads the identity when it is due and acts on a change; a failed read is left to the next check.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (!target.Cache.HasCacheInfo || (_lastCheck is { } last && time.GetElapsedTime(last) < Interval))
        {
            return;
        }

        _lastCheck = time.GetTimestamp();
        try
        {
            await CheckNowAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.CheckFailed(logger, target.Name, ex.Message);
        }
    }

    private async Task CheckNowAsync(CancellationToken cancellationToken)
    {
        var current = await target.Cache.ReadCacheInfoIdentityAsync(cancellationToken);
        if (current is not null && current == _known)
        {
            return;
        }

        string? stored = state.GetCacheInfoIdentity(target.Name);
        bool changed = _known is not null || (stored is not null && (current is null || stored != Format(current)));
        if (!changed && current is not null)
        {
            // The first look: the cache is the one the journal knew (or the journal knew none).
            Remember(current);
            return;
        }

        if (!_wiped)
        {
            // Once per wipe: while nix-cache-info cannot be written again, later checks only try that again.
            _wiped = true;
            var forgotten = state.ForgetAllPushed(target.Name);
            if (current is null)
            {
                Log.Gone(logger, target.Name, forgotten.Count);
            }
            else
            {
                Log.Replaced(logger, target.Name, forgotten.Count);
            }

            await ReplanAsync(forgotten, cancellationToken);
        }

        if (current is null)
        {
            await target.Cache.InitializeAsync(cancellationToken);
            current = await target.Cache.ReadCacheInfoIdentityAsync(cancellationToken);
        }

        if (current is not null)
        {
            Remember(current);
        }
    }

    private void Remember(CacheInfoIdentity identity)
    {
        _known = identity;
        _wiped = false;
        state.SetCacheInfoIdentity(target.Name, Format(identity));
    }

    /// <summary>Feeds the planner the forgotten paths the store still has; for this cache it journals what the cache lacks.</summary>
    private async Task ReplanAsync(IReadOnlyList<string> forgotten, CancellationToken cancellationToken)
    {
        var paths = new List<StorePath>(forgotten.Count);
        foreach (string text in forgotten)
        {
            if (StorePath.TryParse(text, store.StoreDir, out var path, out _))
            {
                paths.Add(path);
            }
        }

        foreach (var chunk in paths.Chunk(10_000))
        {
            foreach (var path in await store.QueryValidPathsAsync(chunk, cancellationToken))
            {
                await queue.WriteAsync(new Discovery(path, DiscoverySource.Scan), cancellationToken);
            }
        }
    }

    private static string Format(CacheInfoIdentity identity) =>
        string.Create(CultureInfo.InvariantCulture, $"{identity.LastModified.ToUnixTimeMilliseconds()} {identity.Tag}");

    private static partial class Log
    {
        [LoggerMessage(EventId = 326, EventName = "CacheInfoGone", Level = LogLevel.Warning, Message = "the nix-cache-info of {Cache} is gone: the cache was wiped; forgetting the {Count} paths the journal says it has, writing nix-cache-info again and pushing again what it lacks")]
        public static partial void Gone(ILogger logger, string cache, int count);

        [LoggerMessage(EventId = 327, EventName = "CacheInfoReplaced", Level = LogLevel.Warning, Message = "the nix-cache-info of {Cache} is not the one seen before: the cache was wiped or replaced; forgetting the {Count} paths the journal says it has and pushing again what it lacks")]
        public static partial void Replaced(ILogger logger, string cache, int count);

        [LoggerMessage(EventId = 328, EventName = "CacheInfoCheckFailed", Level = LogLevel.Debug, Message = "could not read the nix-cache-info of {Cache}: {Reason}")]
        public static partial void CheckFailed(ILogger logger, string cache, string reason);
    }
}
