using Watcher.Caches.Bandwidth;
using Watcher.Config;

namespace Watcher.Hosting;

/// <summary>
/// <c>POST /limit?rate=RATE[&amp;cache=NAME]</c> on the control socket (<c>nix-watcher limit</c>): sets a
/// <c>max-upload-rate</c> of the running daemon, without touching an upload in progress. It holds until the config is
/// read again (<c>SIGHUP</c>) or the daemon restarts.
/// </summary>
internal static partial class LimitEndpoint
{
    public static IResult Set(string? rate, string? cache, UploadLimits limits, ILogger logger)
    {
        string? error = "none was given";
        if (rate is null || !RateSchedule.TryParse(rate, out RateSchedule schedule, out error))
        {
            return Results.Json(new LimitResult(cache, null, $"the rate must be {RateSchedule.Expected}; {error}"), StatusJsonContext.Default.LimitResult, statusCode: StatusCodes.Status400BadRequest);
        }

        ScheduledLimit? limit = cache is null ? limits.Global : limits.Caches.GetValueOrDefault(cache);
        if (limit is null)
        {
            string known = string.Join(", ", limits.Caches.Keys);
            return Results.Json(new LimitResult(cache, null, $"no S3 or Attic cache named '{cache}' (those with a limit of their own: {(known.Length == 0 ? "none" : known)})"), StatusJsonContext.Default.LimitResult, statusCode: StatusCodes.Status404NotFound);
        }

        limit.Set(schedule);
        var status = RateLimitStatus.Of(limit);
        string inForce = status.Describe();
        Log.LimitSet(logger, cache ?? "all caches", schedule.Text, inForce);
        return Results.Json(new LimitResult(cache, status), StatusJsonContext.Default.LimitResult);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 545, EventName = "UploadLimitSet", Level = LogLevel.Information, Message = "max-upload-rate of {Scope} set to \"{Schedule}\" on request: {InForce} in force")]
        public static partial void LimitSet(ILogger logger, string scope, string schedule, string inForce);
    }
}
