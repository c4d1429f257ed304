using Watcher.Caches;
using Watcher.Core;
using Watcher.Nar;
using Watcher.Nix;
using Watcher.Tests.Metrics;

namespace Watcher.Tests.Caches;

public sealed class MeteredCacheTests : IDisposable
{
    private readonly TestMeters _meters = new();
    private readonly CacheActivity _activity = new();

    [Fact]
    public async Task UploadNarAsync_Success_RecordsSizesAndActivity()
    {
        using var size = _meters.Collect<long>("nix_watcher.upload.size");
        var sut = CreateSut(new FlakyCache());

        var narInfo = await sut.UploadNarAsync(Info(narSize: 1000), null!, TestContext.Current.CancellationToken);
        await sut.PublishAsync(narInfo, TestContext.Current.CancellationToken);

        var sizes = size.GetMeasurementSnapshot().ToDictionary(m => (string)m.Tags["kind"]!, m => m.Value);
        Assert.Equal(1000, sizes["nar"]);
        Assert.Equal(500, sizes["compressed"]);
        Assert.NotNull(_activity.LastSuccess);
        Assert.Equal(0, _activity.InFlight);
    }

    [Fact]
    public async Task MaintenanceCalls_AreForwardedToTheCache()
    {
        var path = Watcher.Tests.Nix.TestPaths.Path("aged");
        var inner = new FakeCache { HasCacheInfo = true };
        inner.Present.Add(path);
        inner.GoneOnRefresh.Add(path);
        inner.NarGone.Add(path);
        await inner.InitializeAsync(TestContext.Current.CancellationToken);
        var sut = new MeteredCache(inner, _activity, _meters.Metrics, TimeProvider.System);

        var refreshed = await sut.RefreshAsync([path], TestContext.Current.CancellationToken);
        bool nar = await sut.RefreshNarAsync(new NarInfo { StorePath = path, Url = "nar/x.nar", Compression = "none", NarHash = new byte[32], NarSize = 8, References = [] }, TestContext.Current.CancellationToken);

        Assert.Equal([path], refreshed.Missing);
        Assert.False(nar);
        Assert.True(sut.HasCacheInfo);
        Assert.Equal(inner.CacheInfo, await sut.ReadCacheInfoIdentityAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UploadNarAsync_Failure_CountedByReasonAndKeptAsTheLastError()
    {
        using var failures = _meters.Collect<long>("nix_watcher.failures");
        var sut = CreateSut(new FlakyCache(new CacheUploadException("no", FailureReason.Forbidden, 403)));

        await Assert.ThrowsAsync<CacheUploadException>(() => sut.UploadNarAsync(Info(), null!, TestContext.Current.CancellationToken));

        Assert.Equal("forbidden", Assert.Single(failures.GetMeasurementSnapshot()).Tags["reason"]);
        Assert.Equal("no", _activity.LastError?.Message);
        Assert.Equal(0, _activity.InFlight);
    }

    [Fact]
    public async Task UploadNarAsync_NarStreaming_TheUploadInFlightCountsItsBytesThenLeaves()
    {
        var seen = new List<long>();
        var source = new ChunkSource(3, 1000, () => seen.Add(Assert.Single(_activity.Uploads).BytesRead));
        var sut = CreateSut(new FlakyCache { ReadsNar = true });

        await sut.UploadNarAsync(Info(narSize: 3000), source, TestContext.Current.CancellationToken);

        Assert.Equal([1000, 2000, 3000], seen);
        Assert.Empty(_activity.Uploads);
        Assert.NotNull(_activity.LastProgress);
    }

    public void Dispose() => _meters.Dispose();

    private MeteredCache CreateSut(FlakyCache inner) => new(inner, _activity, _meters.Metrics, TimeProvider.System);

    private static PathInfo Info(long narSize = 8) =>
        new() { Path = StorePath.FromBaseName(new string('a', 32) + "-a"), NarHash = new byte[32], NarSize = narSize, References = [] };

    /// <summary>Writes a NAR of <c>count</c> chunks, calling <c>afterEach</c> after each.</summary>
    private sealed class ChunkSource(int count, int size, Action afterEach) : INarSource
    {
        public async Task<NarResult> WriteNarAsync(PathInfo info, Stream destination, CancellationToken cancellationToken)
        {
            for (int i = 0; i < count; i++)
            {
                await destination.WriteAsync(new byte[size], cancellationToken);
                afterEach();
            }

            return new NarResult(info.NarHash, count * size);
        }
    }
}
