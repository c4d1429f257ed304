using Watcher.Metrics;
using Watcher.Upload;

namespace Watcher.Maintenance;

/// <summary>What <c>verify</c> needs to send requests: where a repair stages NARs, and the metrics and log of the retry policies.</summary>
internal sealed record MaintenanceRequests(StagingDirectory Staging, WatcherMetrics Metrics, ILogger PolicyLogger);
