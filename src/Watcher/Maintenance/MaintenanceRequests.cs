using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Metrics;

namespace Watcher.Maintenance;

/// <summary>
/// What <c>verify</c> needs to send requests: where a repair stages NARs, the metrics and log of the retry policies, and
/// the <c>max-upload-rate</c> limits a repair's uploads keep to, as every push's do.
/// </summary>
internal sealed record MaintenanceRequests(StagingDirectory Staging, WatcherMetrics Metrics, ILogger PolicyLogger, UploadLimits? Limits = null);
