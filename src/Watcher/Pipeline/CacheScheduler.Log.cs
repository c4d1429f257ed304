namespace Watcher.Pipeline;

/// <content>Log events of the schedulers (ids 320–339).</content>
internal sealed partial class CacheScheduler
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 320, EventName = "RoundFailed", Level = LogLevel.Error, Message = "pushing to {Cache} failed: {Reason}; retrying after a pause")]
        public static partial void RoundFailed(ILogger logger, string cache, string reason, Exception? exception);

        [LoggerMessage(EventId = 321, EventName = "PathVanished", Level = LogLevel.Information, Message = "skipping {StorePath} for {Cache}: no longer in the store (garbage-collected)")]
        public static partial void Vanished(ILogger logger, string storePath, string cache);

        [LoggerMessage(EventId = 322, EventName = "DeadLetter", Level = LogLevel.Error, Message = "{StorePath} is a dead letter for {Cache} (attempts: {Attempts}): {Reason} (run 'nix-watcher retry' once fixed)")]
        public static partial void DeadLetter(ILogger logger, string storePath, string cache, string reason, int attempts);

        [LoggerMessage(EventId = 323, EventName = "CacheSetupFailed", Level = LogLevel.Error, Message = "cannot set up {Cache} (paths stay pending; trying again in {DelaySeconds:0} s): {Reason}")]
        public static partial void SetupFailed(ILogger logger, string cache, double delaySeconds, string reason, Exception? exception);

        [LoggerMessage(EventId = 324, EventName = "PathRebuilt", Level = LogLevel.Information, Message = "{StorePath} was built again with other bytes since it was journaled for {Cache}; pushing the new build")]
        public static partial void Rebuilt(ILogger logger, string storePath, string cache);

        [LoggerMessage(EventId = 325, EventName = "ReferenceGone", Level = LogLevel.Warning, Message = "{StorePath} is no longer in {Cache} (a gc or a wipe removed it); pushing it again before the paths that refer to it")]
        public static partial void ReferenceGone(ILogger logger, string storePath, string cache);
    }
}
