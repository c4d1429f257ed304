using System.Text;
using System.Text.RegularExpressions;
using Watcher.Core;

namespace Watcher.Store;

/// <summary>The stderr phase that follows the handshake and every request, ending in LAST or ERROR.</summary>
internal sealed partial class DaemonConnection
{
    /// <summary>Removes ANSI escape sequences (Nix colours its messages even over the socket).</summary>
    public static string StripAnsi(string text) => AnsiEscape().Replace(text, string.Empty);

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")]
    private static partial Regex AnsiEscape();

    /// <summary>Reads log messages until STDERR_LAST; STDERR_ERROR becomes a <see cref="NixDaemonException"/>.</summary>
    private async Task ProcessStderrAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ulong tag = await _reader.ReadUInt64Async("a stderr message type", cancellationToken);
            switch (tag)
            {
                case WorkerProtocol.StderrLast:
                    return;
                case WorkerProtocol.StderrNext:
                    string line = await _reader.ReadStringAsync(cancellationToken);
                    if (_logger.IsEnabled(LogLevel.Debug))
                    {
                        string message = StripAnsi(line).TrimEnd('\n');
                        Log.DaemonMessage(_logger, message);
                    }

                    break;
                case WorkerProtocol.StderrStartActivity:
                    await ReadStartActivityAsync(cancellationToken);
                    break;
                case WorkerProtocol.StderrStopActivity:
                    ulong stopped = await _reader.ReadUInt64Async("an activity id", cancellationToken);
                    Log.ActivityStopped(_logger, stopped);
                    break;
                case WorkerProtocol.StderrResult:
                    ulong activity = await _reader.ReadUInt64Async("an activity id", cancellationToken);
                    ulong resultType = await _reader.ReadUInt64Async("a result type", cancellationToken);
                    string fields = await ReadFieldsAsync(cancellationToken);
                    Log.ActivityResult(_logger, activity, resultType, fields);
                    break;
                case WorkerProtocol.StderrError:
                    throw await ReadErrorAsync(cancellationToken);
                case WorkerProtocol.StderrRead:
                    WireThrowHelper.ThrowUnsupportedStderr("STDERR_READ");
                    break;
                case WorkerProtocol.StderrWrite:
                    WireThrowHelper.ThrowUnsupportedStderr("STDERR_WRITE");
                    break;
                default:
                    WireThrowHelper.ThrowUnknownStderrTag(tag);
                    break;
            }
        }
    }

    private async Task ReadStartActivityAsync(CancellationToken cancellationToken)
    {
        ulong id = await _reader.ReadUInt64Async("an activity id", cancellationToken);
        ulong level = await _reader.ReadUInt64Async("an activity level", cancellationToken);
        ulong type = await _reader.ReadUInt64Async("an activity type", cancellationToken);
        string text = await _reader.ReadStringAsync(cancellationToken);
        string fields = await ReadFieldsAsync(cancellationToken);
        ulong parent = await _reader.ReadUInt64Async("a parent activity id", cancellationToken);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            string plainText = StripAnsi(text);
            Log.ActivityStarted(_logger, id, parent, type, level, plainText, fields);
        }
    }

    /// <summary>Reads activity fields (tag 0: u64, tag 1: string) and renders them for the log.</summary>
    private async Task<string> ReadFieldsAsync(CancellationToken cancellationToken)
    {
        int count = await _reader.ReadCountAsync(cancellationToken);
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            ulong type = await _reader.ReadUInt64Async("a field type", cancellationToken);
            string value = type switch
            {
                0 => (await _reader.ReadUInt64Async("a field value", cancellationToken)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                1 => StripAnsi(await _reader.ReadStringAsync(cancellationToken)),
                _ => throw new NixProtocolException($"unexpected activity field type: expected 0 (int) or 1 (string), got {type}"),
            };
            text.Append(i == 0 ? string.Empty : ", ").Append(value);
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads an error: at ≥ 1.26 the structured form (type, level, name, message, position, traces);
    /// older daemons send the message and an exit status.
    /// </summary>
    private async Task<NixDaemonException> ReadErrorAsync(CancellationToken cancellationToken)
    {
        if (ProtocolVersion < WorkerProtocol.Version(1, 26))
        {
            string oldMessage = StripAnsi(await _reader.ReadStringAsync(cancellationToken)).TrimEnd('\n');
            ulong status = await _reader.ReadUInt64Async("an error exit status", cancellationToken);
            Log.DaemonError(_logger, oldMessage);
            return new NixDaemonException(oldMessage) { ExitStatus = status };
        }

        string type = await _reader.ReadStringAsync(cancellationToken);
        if (type != "Error")
        {
            throw new NixProtocolException($"unexpected error type from nix-daemon: expected \"Error\", got \"{type}\"");
        }

        await _reader.ReadUInt64Async("an error level", cancellationToken);
        await _reader.ReadStringAsync(cancellationToken);
        string message = StripAnsi(await _reader.ReadStringAsync(cancellationToken)).TrimEnd('\n');
        await ExpectNoPositionAsync(cancellationToken);
        int traceCount = await _reader.ReadCountAsync(cancellationToken);
        var text = new StringBuilder(message);
        for (int i = 0; i < traceCount; i++)
        {
            await ExpectNoPositionAsync(cancellationToken);
            text.Append('\n').Append(StripAnsi(await _reader.ReadStringAsync(cancellationToken)));
        }

        string fullMessage = text.ToString();
        Log.DaemonError(_logger, fullMessage);
        return new NixDaemonException(fullMessage);
    }

    private async Task ExpectNoPositionAsync(CancellationToken cancellationToken)
    {
        ulong havePos = await _reader.ReadUInt64Async("an error position flag", cancellationToken);
        if (havePos != 0)
        {
            WireThrowHelper.ThrowUnexpectedValue("error position flag", "0", havePos);
        }
    }
}
