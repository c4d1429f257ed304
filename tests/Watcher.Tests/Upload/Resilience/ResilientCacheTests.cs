using Microsoft.Extensions.Logging.Abstractions;
using Watcher.Nix;
using Watcher.Tests.Metrics;
using Watcher.Upload;
using Watcher.Upload.Resilience;

namespace Watcher.Tests.Upload.Resilience;

public sealed class ResilientCacheTests : IDisposable
{
    private static readonly ResilienceOptions Fast = new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(5),
        MaxRetries = 3,
        BreakerMinimumThroughput = 4,
        BreakDuration = TimeSpan.FromMilliseconds(300),
    };

    private readonly TestMeters _meters = new();
    private readonly CacheActivity _activity = new();

    [Fact]
    public async Task FindMissingAsync_TransientFailures_RetriedUntilSuccess()
    {
        var inner = new FlakyCache(Transient(503), Transient(null));
        using var retries = _meters.Collect<long>("nix_watcher.retries");

        var missing = await CreateSut(inner).FindMissingAsync([Path("a")], TestContext.Current.CancellationToken);

        Assert.Single(missing);
        Assert.Equal(3, inner.Calls);
        var reasons = retries.GetMeasurementSnapshot().Select(m => (string)m.Tags["reason"]!).ToList();
        Assert.Equal(["server_error", "connection"], reasons);
    }

    [Theory]
    [InlineData("Forbidden", "forbidden")]
    [InlineData("Unauthorized", "unauthorized")]
    [InlineData("TooLarge", "too_large")]
    [InlineData("Permanent", "rejected")]
    public async Task UploadNarAsync_PermanentFailure_NotRetriedAndCounted(string kindName, string reason)
    {
        var kind = Enum.Parse<CacheFailureKind>(kindName);
        var inner = new FlakyCache(new CacheUploadException("no", kind, 403));
        using var failures = _meters.Collect<long>("nix_watcher.failures");

        var error = await Assert.ThrowsAsync<CacheUploadException>(() => CreateSut(inner).UploadNarAsync(Info("a"), null!, TestContext.Current.CancellationToken));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(1, inner.Calls);
        Assert.Equal(reason, Assert.Single(failures.GetMeasurementSnapshot()).Tags["reason"]);
        Assert.Equal("no", _activity.LastError?.Message);
        Assert.Equal(0, _activity.InFlight);
    }

    [Fact]
    public async Task UploadNarAsync_RetriesExhausted_ThrowsTheLastError()
    {
        var inner = new FlakyCache { AlwaysFail = Transient(502) };
        var options = Fast with { BreakerMinimumThroughput = 100 };

        var error = await Assert.ThrowsAsync<CacheUploadException>(() => CreateSut(inner, options).UploadNarAsync(Info("a"), null!, TestContext.Current.CancellationToken));

        Assert.Equal(CacheFailureKind.Transient, error.Kind);
        Assert.Equal(options.MaxRetries + 1, inner.Calls);
    }

    [Fact]
    public async Task UploadNarAsync_Success_RecordsSizesAndActivity()
    {
        using var size = _meters.Collect<long>("nix_watcher.upload.size");
        var sut = CreateSut(new FlakyCache());

        var narInfo = await sut.UploadNarAsync(Info("a", narSize: 1000), null!, TestContext.Current.CancellationToken);
        await sut.PublishAsync(narInfo, TestContext.Current.CancellationToken);

        var sizes = size.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["kind"]!, m => m.Value);
        Assert.Equal(1000, sizes["nar"]);
        Assert.Equal(500, sizes["compressed"]);
        Assert.NotNull(_activity.LastSuccess);
    }

    [Fact]
    public async Task Breaker_CacheKeepsFailing_PausesItAndResumesWhenBack()
    {
        var inner = new FlakyCache { AlwaysFail = Transient(null) };
        var sut = CreateSut(inner, Fast with { MaxRetries = 1 });
        using var opened = _meters.Collect<long>("nix_watcher.circuit.opened");
        var ct = TestContext.Current.CancellationToken;

        // Each call is two attempts; after the breaker's minimum of failed attempts it opens.
        var errors = new List<CacheUploadException>();
        for (int i = 0; i < Fast.BreakerMinimumThroughput; i++)
        {
            errors.Add(await Assert.ThrowsAsync<CacheUploadException>(() => sut.FindMissingAsync([Path("a")], ct)));
        }

        Assert.Equal(CacheFailureKind.Transient, errors[0].Kind);
        Assert.Equal(Fast.BreakerMinimumThroughput, inner.Calls);
        var paused = errors[^1];
        Assert.Equal(CacheFailureKind.Unavailable, paused.Kind);
        Assert.Contains("paused", paused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CacheUploadException>(() => sut.FindMissingAsync([Path("a")], ct));
        Assert.Equal(Fast.BreakerMinimumThroughput, inner.Calls);
        Assert.Equal(CircuitState.Open, _activity.Circuit);
        Assert.NotNull(_activity.PausedUntil);
        Assert.Equal(1, Assert.Single(opened.GetMeasurementSnapshot()).Value);
        Assert.Equal(PathOutcomeKind.Failed, PathOutcome.Failed(paused).Kind);
        Assert.Equal(FailureCause.CacheUnavailable, PathOutcome.Failed(paused).Cause);

        inner.AlwaysFail = null;
        await Task.Delay(Fast.BreakDuration * 2, ct);
        await sut.FindMissingAsync([Path("a")], ct);

        Assert.Equal(CircuitState.Closed, _activity.Circuit);
    }

    public void Dispose() => _meters.Dispose();

    private ResilientCache CreateSut(FlakyCache inner, ResilienceOptions? options = null)
    {
        options ??= Fast;
        var policy = new CachePolicy(inner.Name, options, _activity, _meters.Metrics, TimeProvider.System, NullLogger.Instance);
        return new ResilientCache(inner, policy, options, _activity, _meters.Metrics, TimeProvider.System);
    }

    private static CacheUploadException Transient(int? status) => new("try again", CacheFailureKind.Transient, status);

    private static StorePath Path(string name) => StorePath.Parse($"/nix/store/{new string('a', 32)}-{name}", "/nix/store");

    private static PathInfo Info(string name, long narSize = 100) => new()
    {
        Path = Path(name),
        NarHash = new byte[32],
        NarSize = narSize,
        References = [],
    };
}
