namespace Watcher.Store;

/// <summary>Log messages of <see cref="DaemonConnection"/> (event ids 1100–1119).</summary>
internal sealed partial class DaemonConnection
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, EventName = "DaemonConnected", Level = LogLevel.Debug,
            Message = "Connected to nix-daemon, protocol {ProtocolVersion}, Nix {NixVersion}")]
        public static partial void Connected(ILogger logger, string protocolVersion, string nixVersion);

        [LoggerMessage(EventId = 1101, EventName = "DaemonMessage", Level = LogLevel.Debug, Message = "nix-daemon: {DaemonMessage}")]
        public static partial void DaemonMessage(ILogger logger, string daemonMessage);

        [LoggerMessage(EventId = 1102, EventName = "DaemonActivityStarted", Level = LogLevel.Debug,
            Message = "nix-daemon activity {ActivityId} (parent {ParentId}, type {ActivityType}, level {Level}) started: {Text} [{Fields}]")]
        public static partial void ActivityStarted(ILogger logger, ulong activityId, ulong parentId, ulong activityType, ulong level, string text, string fields);

        [LoggerMessage(EventId = 1103, EventName = "DaemonActivityStopped", Level = LogLevel.Debug, Message = "nix-daemon activity {ActivityId} stopped")]
        public static partial void ActivityStopped(ILogger logger, ulong activityId);

        [LoggerMessage(EventId = 1104, EventName = "DaemonActivityResult", Level = LogLevel.Debug,
            Message = "nix-daemon activity {ActivityId} result {ResultType}: [{Fields}]")]
        public static partial void ActivityResult(ILogger logger, ulong activityId, ulong resultType, string fields);

        [LoggerMessage(EventId = 1105, EventName = "DaemonError", Level = LogLevel.Debug, Message = "nix-daemon reported an error: {DaemonMessage}")]
        public static partial void DaemonError(ILogger logger, string daemonMessage);
    }
}
