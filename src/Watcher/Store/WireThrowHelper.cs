using System.Diagnostics.CodeAnalysis;
using Watcher.Core;

namespace Watcher.Store;

/// <summary>Throws <see cref="NixProtocolException"/> for worker-protocol violations, saying what was expected and what arrived.</summary>
internal static class WireThrowHelper
{
    [DoesNotReturn]
    public static void ThrowTruncated(string what, long expected, long actual) =>
        throw new NixProtocolException($"nix-daemon connection closed while reading {what}: expected {expected} bytes, got {actual}");

    [DoesNotReturn]
    public static void ThrowNonZeroPadding(int length) =>
        throw new NixProtocolException($"non-zero padding after a {length}-byte string: expected zero bytes");

    [DoesNotReturn]
    public static void ThrowTooLong(string what, ulong limit, ulong actual) =>
        throw new NixProtocolException($"{what} too large: expected at most {limit}, got {actual}");

    [DoesNotReturn]
    public static void ThrowUnexpectedValue(string what, string expected, ulong actual) =>
        throw new NixProtocolException($"unexpected {what}: expected {expected}, got 0x{actual:x}");

    [DoesNotReturn]
    public static void ThrowInvalidStorePath(string text, string error) =>
        throw new NixProtocolException($"the daemon sent an invalid store path: expected '<storeDir>/<hash>-<name>', got '{text}' ({error})");

    [DoesNotReturn]
    public static void ThrowInvalidHash(string text) =>
        throw new NixProtocolException($"the daemon sent an invalid NAR hash: expected 64 hex characters, got '{text}'");

    [DoesNotReturn]
    public static void ThrowUnknownStderrTag(ulong tag) =>
        throw new NixProtocolException($"unknown stderr message type from nix-daemon: expected one of NEXT, START_ACTIVITY, STOP_ACTIVITY, RESULT, LAST, ERROR, got 0x{tag:x}");

    [DoesNotReturn]
    public static void ThrowUnsupportedStderr(string tag) =>
        throw new NixProtocolException($"nix-daemon sent {tag}, which no op this client sends uses: expected LAST or ERROR");

    [DoesNotReturn]
    public static void ThrowUnsupportedVersion(int daemonVersion) =>
        throw new NixProtocolException(
            $"unsupported nix-daemon protocol version: expected 1.{WorkerProtocol.Minor(WorkerProtocol.MinimumVersion)} to 1.x, got {WorkerProtocol.Format(daemonVersion)} (0x{daemonVersion:x})");

    [DoesNotReturn]
    public static void ThrowNarMismatch(string path, string what, string expected, string actual) =>
        throw new NixProtocolException($"NAR of '{path}' does not match its path info: expected {what} {expected}, got {actual}");
}
