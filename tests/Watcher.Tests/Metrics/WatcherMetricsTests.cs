using Watcher.Core;
using Watcher.Metrics;

namespace Watcher.Tests.Metrics;

public sealed class WatcherMetricsTests
{
    [Fact]
    public void Pushed_CountsPerCache()
    {
        using var meters = new TestMeters();
        using var pushed = meters.Collect<long>("nix_watcher.paths.pushed");

        meters.Metrics.Pushed("home", 3);
        meters.Metrics.Pushed("s3");

        var measurements = pushed.GetMeasurementSnapshot();
        Assert.Equal(3, measurements.Single(m => Equals(m.Tags["cache"], "home")).Value);
        Assert.Equal(1, measurements.Single(m => Equals(m.Tags["cache"], "s3")).Value);
    }

    [Fact]
    public void Skipped_ZeroCount_RecordsNothing()
    {
        using var meters = new TestMeters();
        using var skipped = meters.Collect<long>("nix_watcher.paths.skipped");

        meters.Metrics.Skipped("home", SkipReason.Present, 0);
        meters.Metrics.Skipped("home", SkipReason.Upstream, 2);

        var only = Assert.Single(skipped.GetMeasurementSnapshot());
        Assert.Equal(2, only.Value);
        Assert.Equal("upstream", only.Tags["reason"]);
    }

    [Fact]
    public void Uploaded_RecordsBothSizesAndTheDuration()
    {
        using var meters = new TestMeters();
        using var size = meters.Collect<long>("nix_watcher.upload.size");
        using var duration = meters.Collect<double>("nix_watcher.upload.duration");

        meters.Metrics.Uploaded("home", narBytes: 1000, sentBytes: 300, TimeSpan.FromMilliseconds(1500));

        var sizes = size.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["kind"]!, m => m.Value);
        Assert.Equal(1000, sizes["nar"]);
        Assert.Equal(300, sizes["compressed"]);
        Assert.Equal(1.5, Assert.Single(duration.GetMeasurementSnapshot()).Value, 3);
    }

    [Fact]
    public void Gauges_ReadTheCachesAtCollection()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var gauges = new List<CacheGauges> { new("home", Pending: 7, DeadLetters: 2, CircuitOpen: true, LastSuccess: at) };
        using var meters = new TestMeters(() => gauges);
        using var depth = meters.Collect<long>("nix_watcher.queue.depth");
        using var dead = meters.Collect<long>("nix_watcher.dead_letters");
        using var open = meters.Collect<long>("nix_watcher.circuit.open");
        using var last = meters.Collect<double>("nix_watcher.last_push.timestamp");

        depth.RecordObservableInstruments();
        dead.RecordObservableInstruments();
        open.RecordObservableInstruments();
        last.RecordObservableInstruments();

        Assert.Equal(7, depth.LastMeasurement!.Value);
        Assert.Equal(2, dead.LastMeasurement!.Value);
        Assert.Equal(1, open.LastMeasurement!.Value);
        Assert.Equal(1_700_000_000, last.LastMeasurement!.Value);

        gauges[0] = gauges[0] with { Pending = 0, CircuitOpen = false };
        depth.RecordObservableInstruments();
        open.RecordObservableInstruments();
        Assert.Equal(0, depth.LastMeasurement!.Value);
        Assert.Equal(0, open.LastMeasurement!.Value);
    }

    [Fact]
    public void RateLimitGauge_ReadsTheLimitsInForce()
    {
        var limits = new List<RateLimitGauge> { new(null, 4L << 20), new("home", null) };
        using var meters = new TestMeters(rateLimits: () => limits);
        using var gauge = meters.Collect<long>("nix_watcher.upload.rate_limit");

        gauge.RecordObservableInstruments();

        var values = gauge.GetMeasurementSnapshot();
        Assert.Equal(4L << 20, Assert.Single(values, m => !m.Tags.ContainsKey("cache")).Value);
        Assert.Equal(0, Assert.Single(values, m => Equals(m.Tags.GetValueOrDefault("cache"), "home")).Value);
        Assert.Equal("By/s", gauge.Instrument!.Unit);
    }

    [Fact]
    public void OldestPendingGauge_ReportsOnlyCachesWithPendingPaths()
    {
        var queued = DateTimeOffset.FromUnixTimeSeconds(1_700_000_100);
        var gauges = new List<CacheGauges>
        {
            new("home", Pending: 3, DeadLetters: 0, CircuitOpen: false, LastSuccess: null, OldestPending: queued),
            new("s3", Pending: 0, DeadLetters: 0, CircuitOpen: false, LastSuccess: null),
        };
        using var meters = new TestMeters(() => gauges);
        using var oldest = meters.Collect<double>("nix_watcher.queue.oldest.timestamp");

        oldest.RecordObservableInstruments();

        var only = Assert.Single(oldest.GetMeasurementSnapshot());
        Assert.Equal("home", only.Tags["cache"]);
        Assert.Equal(1_700_000_100, only.Value);
        Assert.Equal("s", oldest.Instrument!.Unit);
    }

    [Fact]
    public void Discovered_TagsTheSource()
    {
        using var meters = new TestMeters();
        using var discovered = meters.Collect<long>("nix_watcher.paths.discovered");

        meters.Metrics.Discovered("inotify");

        Assert.Equal("inotify", Assert.Single(discovered.GetMeasurementSnapshot()).Tags["source"]);
    }
}
