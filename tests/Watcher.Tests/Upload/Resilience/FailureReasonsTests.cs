using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Watcher.Upload;
using Watcher.Upload.Resilience;

namespace Watcher.Tests.Upload.Resilience;

public sealed class FailureReasonsTests
{
    public static TheoryData<Exception, bool, string> Cases => new()
    {
        { new CacheUploadException("x", CacheFailureKind.Transient, 503), true, "server_error" },
        { new CacheUploadException("x (SlowDown, HTTP 503)", CacheFailureKind.Transient, 503), true, "throttled" },
        { new CacheUploadException("x", CacheFailureKind.Transient, 429), true, "throttled" },
        { new CacheUploadException("x", CacheFailureKind.Transient, 408), true, "timeout" },
        { new CacheUploadException("x", CacheFailureKind.Transient), true, "connection" },
        { new CacheUploadException("x", CacheFailureKind.Forbidden, 403), false, "forbidden" },
        { new CacheUploadException("x", CacheFailureKind.Unauthorized, 401), false, "unauthorized" },
        { new CacheUploadException("x", CacheFailureKind.TooLarge, 413), false, "too_large" },
        { new CacheUploadException("x", CacheFailureKind.Permanent, 400), false, "rejected" },
        { new CacheUploadException("x", CacheFailureKind.Unavailable), false, "paused" },
        { new TimeoutRejectedException(), true, "timeout" },
        { new HttpRequestException("reset"), true, "connection" },
        { new SocketException(), true, "connection" },
        { new IOException("broken pipe"), true, "connection" },
        { new FileNotFoundException("gone"), false, "connection" },
        { new BrokenCircuitException(), false, "paused" },
        { new NarMismatchException("bad hash"), false, "mismatch" },
        { new PathVanishedException(Watcher.Nix.StorePath.Parse("/nix/store/" + new string('a', 32) + "-x", "/nix/store")), false, "vanished" },
        { new InvalidOperationException("bug"), false, "other" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_Exception_RetriedOnlyWhenTransient(Exception exception, bool transient, string reason)
    {
        Assert.Equal(transient, FailureReasons.IsTransient(exception));
        Assert.Equal(reason, FailureReasons.Of(exception));
    }
}
