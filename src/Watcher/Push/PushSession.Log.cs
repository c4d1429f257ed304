namespace Watcher.Push;

/// <content>Log events of a push session.</content>
internal sealed partial class PushSession
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 100, EventName = "PathPushed", Level = LogLevel.Information, Message = "pushed {StorePath} to {Cache} ({Bytes} bytes)")]
        public static partial void Pushed(ILogger logger, string storePath, string cache, long bytes);

        [LoggerMessage(EventId = 101, EventName = "PathFailed", Level = LogLevel.Error, Message = "could not push {StorePath} to {Cache}: {Reason}")]
        public static partial void UploadFailed(ILogger logger, string storePath, string cache, string reason, Exception? exception);

        [LoggerMessage(EventId = 102, EventName = "LookupIncomplete", Level = LogLevel.Warning, Message = "{Cache} could not say whether it has {Unknown} of {Count} paths; they stay to do: {Reason}")]
        public static partial void LookupIncomplete(ILogger logger, string cache, int unknown, int count, string reason);

        [LoggerMessage(EventId = 103, EventName = "AgedRefreshed", Level = LogLevel.Information, Message = "{Cache}: refreshed {Count} narinfos older than a day that this push relies on ({Gone} found gone and pushed again)")]
        public static partial void Refreshed(ILogger logger, string cache, int count, int gone);

        [LoggerMessage(EventId = 104, EventName = "NarGone", Level = LogLevel.Warning, Message = "the NAR of {StorePath} ({Key}) is no longer in {Cache} after waiting for its references; it goes up again before its narinfo")]
        public static partial void NarGone(ILogger logger, string storePath, string cache, string key);

        [LoggerMessage(EventId = 1390, EventName = "CacheUnavailable", Level = LogLevel.Error, Message = "cannot push to {Cache}: {Reason}")]
        public static partial void FlushFailed(ILogger logger, string cache, string reason, Exception? exception);
    }
}
