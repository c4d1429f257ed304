using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Config;
using Watcher.Core;
using Watcher.Pipeline;
using Watcher.Tests.Metrics;
using Watcher.Watch;

namespace Watcher.Tests.Watch;

public sealed class StoreWatcherServiceTests : IDisposable
{
    private const string Output = "0a7zadz9h4ycy5lv2h8sb3wn6k2x7hs5-hello-2.12";
    private const string Derivation = "1b8zadz9h4ycy5lv2h8sb3wn6k2x7hs5-hello-2.12.drv";

    private readonly string _store = Directory.CreateTempSubdirectory("store-watcher-").FullName;
    private readonly TestMeters _meters = new();
    private readonly DiscoveryQueue _queue;

    public StoreWatcherServiceTests() => _queue = new DiscoveryQueue(_meters.Metrics);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Derivations_are_not_discovered_while_they_are_skipped()
    {
        var discovered = await WatchAsync(skipDerivations: true, Derivation, Output);

        Assert.Equal([Output], discovered);
    }

    [Fact]
    public async Task Derivations_are_discovered_when_they_are_pushed()
    {
        var discovered = await WatchAsync(skipDerivations: false, Derivation, Output);

        Assert.Equal([Derivation, Output], discovered);
    }

    public void Dispose()
    {
        _meters.Dispose();
        Directory.Delete(_store, recursive: true);
    }

    /// <summary>Deletes a lock per name (in order) under the watching service; returns the base names discovered.</summary>
    private async Task<List<string>> WatchAsync(bool skipDerivations, params string[] names)
    {
        var options = new WatchOptions { StoreDir = _store, SkipDerivations = skipDerivations };
        using var service = new StoreWatcherService(
            options, _queue, new PipelineHealth(new FakeTimeProvider()), _meters.Metrics, new Lifetime(), NullLogger<StoreWatcherService>.Instance);
        await service.StartAsync(Ct);
        foreach (string name in names)
        {
            string lockFile = Path.Combine(_store, name + ".lock");
            await File.WriteAllTextAsync(lockFile, string.Empty, Ct);
            File.Delete(lockFile);
        }

        // The output comes last: once it is in, everything before it has been read.
        var discovered = new List<string>();
        while (!discovered.Contains(Output))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var discovery = await _queue.Reader.ReadAsync(timeout.Token);
            discovered.Add(discovery.Path!.BaseName);
        }

        await service.StopAsync(Ct);
        return discovered;
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
