namespace Watcher.Pipeline;

/// <content>Log events of the planner (ids 300–319).</content>
internal sealed partial class Planner
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 300, EventName = "Planned", Level = LogLevel.Debug, Message = "planned {ValidCount} new paths: a closure of {ClosureCount} to push, {ExcludedCount} excluded")]
        public static partial void Planned(ILogger logger, int validCount, int closureCount, int excludedCount);

        [LoggerMessage(EventId = 301, EventName = "InvalidPath", Level = LogLevel.Debug, Message = "skipping {StorePath}: not valid (a failed build also removes its lock)")]
        public static partial void Invalid(ILogger logger, string storePath);

        [LoggerMessage(EventId = 303, EventName = "PlanFailed", Level = LogLevel.Error, Message = "could not plan a batch of {Count} discoveries: {Reason}; rescanning shortly")]
        public static partial void PlanFailed(ILogger logger, int count, string reason, Exception? exception);
    }
}
