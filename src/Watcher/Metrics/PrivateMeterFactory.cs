using System.Diagnostics.Metrics;

namespace Watcher.Metrics;

/// <summary>Meters for one-shot commands, which have no host (and no exporter): they live as long as the command.</summary>
internal sealed class PrivateMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
