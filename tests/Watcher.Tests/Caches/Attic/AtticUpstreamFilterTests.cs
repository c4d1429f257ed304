using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Watcher.Caches;
using Watcher.Caches.Attic;
using Watcher.Config;
using Watcher.Nix;
using Watcher.Push;

namespace Watcher.Tests.Caches.Attic;

/// <summary>The server's <c>upstream_cache_key_names</c> as the path filter sees them, with and without <c>skip-upstream-signed</c>.</summary>
public sealed class AtticUpstreamFilterTests
{
    private const string CacheConfig = "{\"store_dir\":\"/nix/store\",\"public_key\":\"private:AAAA\",\"upstream_cache_key_names\":[\"cache.nixos.org-1\"]}";

    [Theory]
    [InlineData(null, "cache.nixos.org-1:c2ln", true)]
    [InlineData(true, "cache.nixos.org-1:c2ln", true)]
    [InlineData(false, "cache.nixos.org-1:c2ln", false)]
    [InlineData(false, "mine-1:c2ln", true)]
    [InlineData(true, "other-1:c2ln", false)]
    public async Task PushAsync_PathSignedByTheServersUpstreamKey_SkippedUnlessOptedOut(bool? skipUpstreamSigned, string signature, bool upstream)
    {
        var options = Options(skipUpstreamSigned);
        using var cache = AtticCache.Create(options, StorePath.DefaultStoreDir, SingleAttempt.Instance, new FakeTimeProvider(), NullLoggerFactory.Instance, new StubHandler(CacheConfig));
        await cache.InitializeAsync(TestContext.Current.CancellationToken);
        var session = new PushSession(cache, NoNarSource.Instance, 1, options.SkipSignedBy, NullLogger.Instance);
        var path = SignedPath(signature);

        var outcomes = await session.PushAsync([path], TestContext.Current.CancellationToken);

        Assert.Equal(upstream, outcomes[path.Path].Kind == PathOutcomeKind.Upstream);
    }

    [Fact]
    public async Task UpstreamKeyNames_OptedOut_EmptyButTheServersKeysStayKnown()
    {
        using var cache = AtticCache.Create(Options(false), StorePath.DefaultStoreDir, SingleAttempt.Instance, new FakeTimeProvider(), NullLoggerFactory.Instance, new StubHandler(CacheConfig));

        await cache.InitializeAsync(TestContext.Current.CancellationToken);

        Assert.Empty(cache.UpstreamKeyNames);
        Assert.Equal(["cache.nixos.org-1"], cache.UpstreamCacheKeyNames);
    }

    [Fact]
    public void UpstreamKeyNames_BeforeInitialisation_Empty()
    {
        using var cache = AtticCache.Create(Options(null), StorePath.DefaultStoreDir, SingleAttempt.Instance, new FakeTimeProvider(), NullLoggerFactory.Instance, new StubHandler(CacheConfig));

        Assert.Empty(cache.UpstreamKeyNames);
    }

    [Fact]
    public async Task InitializeAsync_SameConfigEveryRound_LoggedOnceWithTheOptOut()
    {
        var logger = new ListLogger();
        var client = new AtticClient("home", "private", new Uri("https://attic.example.org"), null, AtticTokenSource.None, new FakeTimeProvider(), NullLogger.Instance, new StubHandler(CacheConfig));
        using var cache = new AtticCache(client, StorePath.DefaultStoreDir, logger, skipUpstreamSigned: false);

        for (int round = 0; round < 3; round++)
        {
            await cache.InitializeAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, logger.Messages.Count);
        Assert.Contains("upstream keys: [cache.nixos.org-1]", logger.Messages[0], StringComparison.Ordinal);
        Assert.Contains("are pushed too (skip-upstream-signed = false)", logger.Messages[1], StringComparison.Ordinal);
    }

    private static AtticCacheOptions Options(bool? skipUpstreamSigned) => skipUpstreamSigned is { } skip
        ? new() { Name = "home", Cache = "private", Endpoint = new Uri("https://attic.example.org/"), SkipSignedBy = ["mine-1"], SkipUpstreamSigned = skip }
        : new() { Name = "home", Cache = "private", Endpoint = new Uri("https://attic.example.org/"), SkipSignedBy = ["mine-1"] };

    private static PathInfo SignedPath(string signature) => new()
    {
        Path = StorePath.FromBaseName("0123456789abcdfghijklmnpqrsvwxyz-glibc-2.39"),
        NarHash = new byte[32],
        NarSize = 8,
        References = [],
        Signatures = [signature],
    };

    private sealed class ListLogger : ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add(formatter(state, exception));
    }

    private sealed class StubHandler(string cacheConfig) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(cacheConfig, Encoding.UTF8, "application/json") });
    }
}
