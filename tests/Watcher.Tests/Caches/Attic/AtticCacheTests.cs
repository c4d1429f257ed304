using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Caches.Attic;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Tests.Caches.Attic;

public sealed class AtticCacheTests
{
    private const string Alphabet = "0123456789abcdfghijklmnpqrsvwxyz";

    [Fact]
    public async Task LookupAsync_25000Paths_QueriesInBatchesOfAtMost10000()
    {
        var handler = new StubHandler(request =>
        {
            var hashes = JsonNode.Parse(request.Body)!["store_path_hashes"]!.AsArray().Select(h => h!.GetValue<string>()).ToList();
            var missing = new JsonArray([.. hashes.Where((_, i) => i % 2 == 0).Select(h => JsonValue.Create(h))]);
            return (HttpStatusCode.OK, new JsonObject { ["missing_paths"] = missing }.ToJsonString());
        });
        using var cache = CreateSut(handler);
        var paths = Enumerable.Range(0, 25_000).Select(PathNumber).ToList();

        var lookup = await cache.LookupAsync(paths, TestContext.Current.CancellationToken);

        Assert.Equal([10_000, 10_000, 5_000], handler.Requests.Select(r => JsonNode.Parse(r.Body)!["store_path_hashes"]!.AsArray().Count));
        Assert.All(handler.Requests, r => Assert.Equal("https://attic.example.org/_api/v1/get-missing-paths", r.Uri));
        Assert.Equal(12_500, lookup.Missing.Count);
        Assert.Empty(lookup.Unknown);
    }

    [Fact]
    public async Task LookupAsync_OneBatchFails_OnlyItsPathsAreUnknown()
    {
        int calls = 0;
        var handler = new StubHandler(request => ++calls == 2
            ? (HttpStatusCode.BadGateway, "<html>Bad Gateway</html>")
            : (HttpStatusCode.OK, new JsonObject { ["missing_paths"] = new JsonArray() }.ToJsonString()));
        using var cache = CreateSut(handler);
        var paths = Enumerable.Range(0, 25_000).Select(PathNumber).ToList();

        var lookup = await cache.LookupAsync(paths, TestContext.Current.CancellationToken);

        Assert.Empty(lookup.Missing);
        Assert.Equal(10_000, lookup.Unknown.Count);
        Assert.Contains("HTTP 502", lookup.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_ApiEndpointDowngradesToHttp_IsRefused()
    {
        var handler = new StubHandler(_ => (HttpStatusCode.OK, "{\"api_endpoint\":\"http://attic.example.org/\",\"store_dir\":\"/nix/store\",\"upstream_cache_key_names\":[\"cache.nixos.org-1\"]}"));
        using var cache = CreateSut(handler);

        await cache.InitializeAsync(TestContext.Current.CancellationToken);
        await cache.LookupAsync([PathNumber(1)], TestContext.Current.CancellationToken);

        Assert.Equal("https://attic.example.org/_api/v1/get-missing-paths", handler.Requests[^1].Uri);
        Assert.Equal(["cache.nixos.org-1"], cache.UpstreamCacheKeyNames);
    }

    [Fact]
    public async Task InitializeAsync_ApiEndpointElsewhere_IsFollowed()
    {
        var handler = new StubHandler(_ => (HttpStatusCode.OK, "{\"api_endpoint\":\"https://api.example.org/attic\",\"store_dir\":\"/nix/store\"}"));
        using var cache = CreateSut(handler);

        await cache.InitializeAsync(TestContext.Current.CancellationToken);
        await cache.LookupAsync([PathNumber(1)], TestContext.Current.CancellationToken);

        Assert.Equal("https://api.example.org/attic/_api/v1/get-missing-paths", handler.Requests[^1].Uri);
    }

    [Fact]
    public async Task InitializeAsync_OtherStoreDir_IsPermanentFailure()
    {
        using var cache = CreateSut(new StubHandler(_ => (HttpStatusCode.OK, "{\"store_dir\":\"/gnu/store\"}")));

        var ex = await Assert.ThrowsAsync<CacheUploadException>(() => cache.InitializeAsync(TestContext.Current.CancellationToken));

        Assert.Equal(FailureReason.Rejected, ex.Reason);
        Assert.Contains("/gnu/store", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToUploadInfo_UsesBaseNamesAndHexHash()
    {
        var info = new PathInfo
        {
            Path = PathNumber(1),
            Deriver = StorePath.FromBaseName(Alphabet + "-x.drv"),
            NarHash = new byte[32],
            NarSize = 120,
            References = [PathNumber(1), PathNumber(2)],
            Signatures = ["k-1:c2ln"],
        };

        var upload = AtticCache.ToUploadInfo(info, "private");

        Assert.Equal(PathNumber(1).FullPath, upload.StorePath);
        Assert.Equal([PathNumber(1).BaseName, PathNumber(2).BaseName], upload.References);
        Assert.Equal(Alphabet + "-x.drv", upload.Deriver);
        Assert.Equal("sha256:" + new string('0', 64), upload.NarHash);
        Assert.Equal(["k-1:c2ln"], upload.Sigs);
        Assert.Null(upload.Ca);
    }

    [Fact]
    public async Task InitializeAsync_TokenExpiresWithinAWeek_WarnsWithoutTheToken()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        string payload = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"exp\":{time.GetUtcNow().AddDays(2).ToUnixTimeSeconds()}}}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string token = $"eyJhbGciOiJIUzI1NiJ9.{payload}.c2lnbmF0dXJl";
        string file = Path.GetTempFileName();
        File.WriteAllText(file, token);
        var logger = new ListLogger();
        var client = new AtticClient("home", "private", new Uri("https://attic.example.org"), null, AtticTokenSource.FromFile(file), time, logger, new StubHandler(_ => (HttpStatusCode.OK, "{}")));
        using var cache = new AtticCache(client, StorePath.DefaultStoreDir, NullLogger.Instance);

        await cache.InitializeAsync(TestContext.Current.CancellationToken);
        File.Delete(file);

        string warning = Assert.Single(logger.Messages, m => m.Level == LogLevel.Warning).Text;
        Assert.Contains("expires at 2026-06-03 00:00:00Z (in 2 days)", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(token, warning, StringComparison.Ordinal);
    }

    private static AtticCache CreateSut(StubHandler handler)
    {
        var client = new AtticClient("home", "private", new Uri("https://attic.example.org"), null, AtticTokenSource.None, new FakeTimeProvider(), NullLogger.Instance, handler);
        return new AtticCache(client, StorePath.DefaultStoreDir, NullLogger.Instance);
    }

    private static StorePath PathNumber(int n)
    {
        var hash = new char[32];
        for (int i = 0; i < 32; i++, n /= 32)
        {
            hash[31 - i] = Alphabet[n % 32];
        }

        return StorePath.FromBaseName(new string(hash) + "-p");
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }

    private sealed class StubHandler(Func<(string Uri, string Body), (HttpStatusCode Status, string Body)> respond) : HttpMessageHandler
    {
        public List<(string Uri, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var seen = (request.RequestUri!.ToString(), request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken));
            Requests.Add(seen);
            var (status, body) = respond(seen);
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }
}
