namespace Watcher.Hosting;

/// <summary>The daemon's answer to <c>nix-watcher limit</c>: the limit now in force, or why it was refused.</summary>
/// <param name="Cache">The cache whose own limit was set; null for the limit of all caches together.</param>
/// <param name="Limit">The limit in force after the request (null when refused).</param>
/// <param name="Error">Why the request was refused (null when it was applied).</param>
internal sealed record LimitResult(string? Cache, RateLimitStatus? Limit, string? Error = null);
