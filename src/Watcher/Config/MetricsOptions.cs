namespace Watcher.Config;

/// <summary>The <c>[metrics]</c> table: the Prometheus endpoint.</summary>
internal sealed class MetricsOptions
{
    /// <summary>The <c>host:port</c> the <c>/metrics</c> endpoint listens on (<c>listen</c>); empty disables it.</summary>
    /// <value>The default value is <c>127.0.0.1:9464</c>: loopback only (metrics are not for the network
    /// by default), on the port OpenTelemetry's Prometheus exporter conventionally uses.</value>
    public string Listen { get; init; } = "127.0.0.1:9464";

    /// <summary>Whether the endpoint is served at all.</summary>
    public bool Enabled => Listen.Length != 0;
}
