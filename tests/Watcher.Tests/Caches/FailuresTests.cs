using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Watcher.Caches;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Tests.Caches;

public sealed class FailuresTests
{
    public static TheoryData<Exception, bool, string> Cases => new()
    {
        { new CacheUploadException("x", FailureReason.ServerError, 503), true, "server_error" },
        { new CacheUploadException("x", FailureReason.Throttled, 503), true, "throttled" },
        { new CacheUploadException("x", FailureReason.Timeout, 408), true, "timeout" },
        { new CacheUploadException("x", FailureReason.Connection), true, "connection" },
        { new CacheUploadException("unclassified"), true, "server_error" },
        { new CacheUploadException("x", FailureReason.Forbidden, 403), false, "forbidden" },
        { new CacheUploadException("x", FailureReason.Unauthorized, 401), false, "unauthorized" },
        { new CacheUploadException("x", FailureReason.TooLarge, 413), false, "too_large" },
        { new CacheUploadException("x", FailureReason.Rejected, 400), false, "rejected" },
        { new CacheUploadException("x", FailureReason.Paused), false, "paused" },
        { new TimeoutRejectedException(), true, "timeout" },
        { new HttpRequestException("reset"), true, "connection" },
        { new SocketException(), true, "connection" },
        { new IOException("No space left on device"), true, "io" },
        { new FileNotFoundException("gone"), false, "other" },
        { new BrokenCircuitException(), false, "paused" },
        { new NarMismatchException("bad hash"), false, "mismatch" },
        { new PathVanishedException(StorePath.Parse("/nix/store/" + new string('a', 32) + "-x", "/nix/store")), false, "vanished" },
        { new InvalidOperationException("bug"), false, "other" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_Exception_RetriedOnlyWhenTransient(Exception exception, bool transient, string label)
    {
        Assert.Equal(transient, Failures.IsTransient(exception));
        Assert.Equal(label, Failures.Classify(exception).Label());
    }

    [Theory]
    [InlineData(401, "unauthorized")]
    [InlineData(403, "forbidden")]
    [InlineData(404, "rejected")]
    [InlineData(408, "timeout")]
    [InlineData(413, "too_large")]
    [InlineData(429, "throttled")]
    [InlineData(502, "server_error")]
    [InlineData(501, "rejected")]
    public void FromStatus_HttpStatus_MapsToItsReason(int status, string expected) => Assert.Equal(expected, Failures.FromStatus(status).Label());

    [Fact]
    public void StackTraceFor_OnlyUnexpectedErrorsKeepTheirTrace()
    {
        Assert.Null(Failures.StackTraceFor(new CacheUploadException("refused", FailureReason.Forbidden)));
        Assert.Null(Failures.StackTraceFor(new WatcherException("the daemon went away")));
        Assert.Null(Failures.StackTraceFor(new HttpRequestException("reset")));
        var bug = new InvalidOperationException("bug");
        Assert.Same(bug, Failures.StackTraceFor(bug));
    }

    [Fact]
    public void Attempts_RecordedOnTheException_ReadBack()
    {
        var error = new IOException("reset");

        Assert.Equal(1, Failures.Attempts(error));
        Assert.Same(error, Failures.WithAttempts(error, 4));
        Assert.Equal(4, Failures.Attempts(error));
    }
}
