using Watcher.Caches;
using Watcher.Caches.Bandwidth;
using Watcher.Config;
using Watcher.State;

namespace Watcher.Hosting;

/// <summary>
/// What <c>nix-watcher status</c> shows: per cache, the queue and how long its oldest path has waited, uploads in
/// flight, the recent rate, dead letters and the last success and error, and what keeps the daemon from being healthy
/// (a stage that stopped or is stuck).
/// <c>Daemon</c> says whether a running daemon answered; if not, the figures come from the state alone.
/// <c>Metrics</c> is the daemon's <c>/metrics</c> endpoint (null with no daemon or metrics turned off).
/// <c>UploadLimit</c> is the <c>max-upload-rate</c> of all caches together in force (null with no daemon).
/// </summary>
internal sealed record StatusReport(bool Daemon, string Version, IReadOnlyList<CacheStatus> Caches, IReadOnlyList<string> Problems, MetricsStatus? Metrics = null, RateLimitStatus? UploadLimit = null)
{
    /// <summary>At most this many dead letters are listed per cache; <see cref="CacheStatus.DeadLetterCount"/> has them all.</summary>
    public const int ListedDeadLetters = 100;

    public static string CurrentVersion => typeof(StatusReport).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    /// <summary>
    /// Builds the report at <paramref name="now"/> from the state and, when the daemon builds it, each cache's live
    /// activity, the pipeline's problems and the metrics endpoint.
    /// </summary>
    public static StatusReport Build(WatcherOptions options, StateStore state, Func<string, CacheActivity?> activityOf, bool daemon, DateTimeOffset now, IReadOnlyList<string>? problems = null, MetricsStatus? metrics = null, UploadLimits? limits = null)
    {
        var caches = options.Caches.Select(cache =>
        {
            var activity = activityOf(cache.Name);
            var deadLetters = state.DeadLetters(cache.Name);
            var oldest = state.OldestPending(cache.Name);
            return new CacheStatus(
                cache.Name,
                cache.Type,
                state.CountPending(cache.Name),
                activity?.InFlight ?? 0,
                activity is null ? null : activity.Circuit switch
                {
                    CircuitState.Open => "open",
                    CircuitState.HalfOpen => "half-open",
                    _ => "closed",
                },
                activity?.PausedUntil,
                activity?.LastSuccess,
                activity?.LastError?.Message,
                activity?.LastError?.At,
                deadLetters.Count,
                deadLetters.Take(ListedDeadLetters).Select(d => new DeadLetterStatus(d.Path, d.Reason, d.Attempts, d.FailedAt)).ToList(),
                activity is null ? null : Math.Round(activity.PathsPerMinute(now), 1),
                oldest,
                oldest is { } since ? Math.Max(0, Math.Round((now - since).TotalSeconds)) : null,
                limits?.Caches.GetValueOrDefault(cache.Name) is { } limit ? RateLimitStatus.Of(limit) : null);
        }).ToList();
        return new StatusReport(daemon, CurrentVersion, caches, problems ?? [], metrics, limits is null ? null : RateLimitStatus.Of(limits.Global));
    }
}
