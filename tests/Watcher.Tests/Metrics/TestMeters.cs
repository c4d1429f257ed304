using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Watcher.Metrics;

namespace Watcher.Tests.Metrics;

/// <summary>A private meter factory, the metrics built on it, and collectors for its instruments.</summary>
internal sealed class TestMeters : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public TestMeters(Func<IReadOnlyList<CacheGauges>>? caches = null, Func<IReadOnlyList<RateLimitGauge>>? rateLimits = null)
    {
        Factory = _services.GetRequiredService<IMeterFactory>();
        Metrics = new WatcherMetrics(Factory, caches, rateLimits);
    }

    public IMeterFactory Factory { get; }

    public WatcherMetrics Metrics { get; }

    public MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(Factory, WatcherMetrics.MeterName, instrument);

    public void Dispose() => _services.Dispose();
}
