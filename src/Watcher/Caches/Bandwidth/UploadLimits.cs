using Watcher.Config;
using Watcher.Metrics;

namespace Watcher.Caches.Bandwidth;

/// <summary>
/// The <c>max-upload-rate</c> limits of one process: the one of all caches together and one per S3 or Attic cache,
/// each a <see cref="ScheduledLimit"/> that uploads share. They can be changed while uploads run
/// (<c>SIGHUP</c>, <c>nix-watcher limit</c>): the uploads carry on at the new rate.
/// </summary>
internal sealed class UploadLimits : IDisposable
{
    private readonly Dictionary<string, ScheduledLimit> _caches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UploadThrottle> _throttles = new(StringComparer.Ordinal);

    public UploadLimits(TimeProvider time, RateSchedule global, IEnumerable<CacheOptions> caches)
    {
        Global = new ScheduledLimit(time, global);
        foreach (var cache in caches.Where(c => c is not FileCacheOptions))
        {
            var limit = new ScheduledLimit(time, cache.MaxUploadRate ?? RateSchedule.Off);
            _caches[cache.Name] = limit;
            _throttles[cache.Name] = new UploadThrottle(limit, Global);
        }
    }

    /// <summary>The limits of <paramref name="options"/>, with <paramref name="globalOverride"/> (<c>push --max-upload-rate</c>) for the top-level one.</summary>
    public static UploadLimits From(WatcherOptions options, TimeProvider time, RateSchedule? globalOverride = null) =>
        new(time, globalOverride ?? options.MaxUploadRate, options.Caches);

    /// <summary>The limit of all caches together.</summary>
    public ScheduledLimit Global { get; }

    /// <summary>The caches that have limits of their own (every S3 and Attic cache; <see cref="RateSchedule.Off"/> when not set).</summary>
    public IReadOnlyDictionary<string, ScheduledLimit> Caches => _caches;

    /// <summary>What the bodies of <paramref name="cache"/> take from.</summary>
    public UploadThrottle For(string cache) => _throttles.TryGetValue(cache, out var throttle) ? throttle : new UploadThrottle(null, Global);

    /// <summary>Applies the limits of a config read again; caches it does not name keep theirs.</summary>
    public void Apply(WatcherOptions options)
    {
        Global.Set(options.MaxUploadRate);
        foreach (var cache in options.Caches)
        {
            if (_caches.TryGetValue(cache.Name, out var limit))
            {
                limit.Set(cache.MaxUploadRate ?? RateSchedule.Off);
            }
        }
    }

    /// <summary>The limits in force, for the <c>nix_watcher.upload.rate_limit</c> gauge.</summary>
    public IReadOnlyList<RateLimitGauge> Gauges() =>
        [new RateLimitGauge(null, Global.Current), .. _caches.Select(pair => new RateLimitGauge(pair.Key, pair.Value.Current))];

    public void Dispose()
    {
        Global.Dispose();
        foreach (var limit in _caches.Values)
        {
            limit.Dispose();
        }
    }
}
