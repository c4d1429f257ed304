namespace Watcher.Hosting;

/// <summary>
/// The <c>/metrics</c> endpoint in a <see cref="StatusReport"/>: where it serves, or why it cannot and when it tries
/// again. A port another process took first shows here (that process, not Watcher, answers scrapes meanwhile).
/// </summary>
/// <param name="Listen">The configured <c>[metrics] listen</c> address.</param>
/// <param name="Url">The scrape URL(s) once listening; null while not.</param>
/// <param name="Error">Why the last attempt to listen failed; null while listening.</param>
/// <param name="FailingSince">When the attempts started failing.</param>
/// <param name="NextAttempt">When the next attempt is due.</param>
internal sealed record MetricsStatus(string Listen, string? Url, string? Error, DateTimeOffset? FailingSince, DateTimeOffset? NextAttempt);
