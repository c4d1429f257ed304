using System.Diagnostics.Metrics;
using Watcher.Maintenance;
using Watcher.Pipeline;
using Watcher.Upload;

namespace Watcher.Metrics;

/// <summary>
/// Every instrument Watcher publishes, on one <see cref="Meter"/> named <see cref="MeterName"/>; scraped
/// by Prometheus as <c>nix_watcher_…</c> (see docs/metrics.md).
/// </summary>
/// <remarks>
/// Tags come from small fixed sets only (cache names from the config, sources, reasons): never a
/// store path, so the number of series does not grow with the store.
/// </remarks>
internal sealed class WatcherMetrics
{
    public const string MeterName = "NixWatcher";

    private readonly Counter<long> _discovered;
    private readonly Counter<long> _pushed;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _bytes;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _overflows;
    private readonly Counter<long> _circuitOpened;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _gcDeleted;
    private readonly Counter<long> _gcFreed;

    /// <param name="meterFactory">Owns the meter (the host's, or a private one for one-shot commands).</param>
    /// <param name="caches">Reads the per-cache gauges at collection time; none for one-shot commands.</param>
    /// <param name="rateLimits">Reads the upload limits in force at collection time; none for one-shot commands.</param>
    public WatcherMetrics(IMeterFactory meterFactory, Func<IReadOnlyList<CacheGauges>>? caches = null, Func<IReadOnlyList<RateLimitGauge>>? rateLimits = null)
    {
        var meter = meterFactory.Create(MeterName);
        _discovered = meter.CreateCounter<long>("nix_watcher.paths.discovered", "{path}", "Store paths that may need pushing, by where they were found.");
        _pushed = meter.CreateCounter<long>("nix_watcher.paths.pushed", "{path}", "Store paths uploaded and published to a cache.");
        _skipped = meter.CreateCounter<long>("nix_watcher.paths.skipped", "{path}", "Store paths not pushed to a cache, by reason.");
        _bytes = meter.CreateCounter<long>("nix_watcher.upload.size", "By", "Bytes uploaded: the NAR size and the bytes sent after compression.");
        _duration = meter.CreateHistogram(
            "nix_watcher.upload.duration",
            "s",
            "Time to upload one NAR, retries included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] });
        _retries = meter.CreateCounter<long>("nix_watcher.retries", "{retry}", "Requests to a cache that were retried, by reason.");
        _failures = meter.CreateCounter<long>("nix_watcher.failures", "{failure}", "Cache operations that failed after their retries, by reason.");
        _overflows = meter.CreateCounter<long>("nix_watcher.inotify.overflows", "{overflow}", "Times the kernel's inotify queue overflowed (each triggers a rescan).");
        _circuitOpened = meter.CreateCounter<long>("nix_watcher.circuit.opened", "{event}", "Times a cache's circuit breaker opened (the cache was paused).");
        _active = meter.CreateUpDownCounter<long>("nix_watcher.uploads.active", "{upload}", "NAR uploads in progress.");
        _gcDeleted = meter.CreateCounter<long>("nix_watcher.gc.deleted", "{object}", "Objects the scheduled collection deleted from a cache, by kind.");
        _gcFreed = meter.CreateCounter<long>("nix_watcher.gc.freed", "By", "Bytes the scheduled collection deleted from a cache, by kind.");

        if (rateLimits is not null)
        {
            meter.CreateObservableGauge(
                "nix_watcher.upload.rate_limit",
                () => rateLimits().Select(l => l.Cache is null ? new Measurement<long>(l.BytesPerSecond ?? 0) : new Measurement<long>(l.BytesPerSecond ?? 0, CacheTag(l.Cache))),
                "By/s",
                "The max-upload-rate in force, in bytes per second (0: no limit): without a cache tag for all caches together, with one for a cache's own.");
        }

        if (caches is not null)
        {
            meter.CreateObservableGauge("nix_watcher.queue.depth", () => Read(caches, c => c.Pending), "{path}", "Store paths waiting to be pushed to a cache.");
            meter.CreateObservableGauge("nix_watcher.dead_letters", () => Read(caches, c => c.DeadLetters), "{path}", "Store paths a cache refused or that ran out of retries.");
            meter.CreateObservableGauge("nix_watcher.circuit.open", () => Read(caches, c => c.CircuitOpen ? 1 : 0), "{state}", "1 while a cache's circuit breaker is open or half-open, else 0.");
            meter.CreateObservableGauge(
                "nix_watcher.last_push.timestamp",
                () => caches().Where(c => c.LastSuccess is not null).Select(c => new Measurement<double>(c.LastSuccess!.Value.ToUnixTimeMilliseconds() / 1000.0, CacheTag(c.Cache))),
                "s",
                "Unix time of the last successful push to a cache.");
            meter.CreateObservableGauge(
                "nix_watcher.queue.oldest.timestamp",
                () => caches().Where(c => c.OldestPending is not null).Select(c => new Measurement<double>(c.OldestPending!.Value.ToUnixTimeSeconds(), CacheTag(c.Cache))),
                "s",
                "Unix time at which the longest-waiting pending path of a cache was queued.");
            meter.CreateObservableGauge(
                "nix_watcher.cache.problems",
                () => caches().Where(c => c.Problems is not null).Select(c => new Measurement<long>(c.Problems!.Value, CacheTag(c.Cache))),
                "{problem}",
                "Problems verify's checks found in a cache at its last scheduled collection.");
        }
    }

    public void Discovered(string source) => _discovered.Add(1, new KeyValuePair<string, object?>("source", source));

    public void Pushed(string cache, long count = 1) => _pushed.Add(count, CacheTag(cache));

    /// <summary>Counts <paramref name="count"/> paths not pushed to <paramref name="cache"/> for <paramref name="reason"/> (present, upstream, excluded, invalid or gc).</summary>
    public void Skipped(string cache, SkipReason reason, long count = 1)
    {
        if (count > 0)
        {
            _skipped.Add(count, CacheTag(cache), new KeyValuePair<string, object?>("reason", Label(reason)));
        }
    }

    public void Uploaded(string cache, long narBytes, long sentBytes, TimeSpan duration)
    {
        _bytes.Add(narBytes, CacheTag(cache), new KeyValuePair<string, object?>("kind", "nar"));
        _bytes.Add(sentBytes, CacheTag(cache), new KeyValuePair<string, object?>("kind", "compressed"));
        _duration.Record(duration.TotalSeconds, CacheTag(cache));
    }

    /// <summary>Counts one resend of a request to <paramref name="cache"/>, by why the attempt before it failed.</summary>
    public void Retried(string cache, FailureReason reason) => _retries.Add(1, CacheTag(cache), new KeyValuePair<string, object?>("reason", reason.Label()));

    /// <summary>Counts one operation on <paramref name="cache"/> that failed after its retries.</summary>
    public void Failed(string cache, FailureReason reason) => _failures.Add(1, CacheTag(cache), new KeyValuePair<string, object?>("reason", reason.Label()));

    public void InotifyOverflow() => _overflows.Add(1);

    public void CircuitOpened(string cache) => _circuitOpened.Add(1, CacheTag(cache));

    public void UploadStarted(string cache) => _active.Add(1, CacheTag(cache));

    public void UploadEnded(string cache) => _active.Add(-1, CacheTag(cache));

    /// <summary>Counts what one collection of <paramref name="cache"/> deleted (zeros too, so the series exist after the first run).</summary>
    public void Collected(string cache, GcResult result)
    {
        KeyValuePair<string, object?> narInfo = new("kind", "narinfo");
        KeyValuePair<string, object?> nar = new("kind", "nar");
        _gcDeleted.Add(result.DeletedNarInfos, CacheTag(cache), narInfo);
        _gcDeleted.Add(result.DeletedNars, CacheTag(cache), nar);
        _gcFreed.Add(result.DeletedNarInfoBytes, CacheTag(cache), narInfo);
        _gcFreed.Add(result.DeletedNarBytes, CacheTag(cache), nar);
    }

    private static KeyValuePair<string, object?> CacheTag(string cache) => new("cache", cache);

    private static IEnumerable<Measurement<long>> Read(Func<IReadOnlyList<CacheGauges>> caches, Func<CacheGauges, long> value) =>
        caches().Select(c => new Measurement<long>(value(c), CacheTag(c.Cache)));

    private static string Label(SkipReason reason) => reason switch
    {
        SkipReason.Present => "present",
        SkipReason.Upstream => "upstream",
        SkipReason.Excluded => "excluded",
        SkipReason.Invalid => "invalid",
        _ => "gc",
    };
}
