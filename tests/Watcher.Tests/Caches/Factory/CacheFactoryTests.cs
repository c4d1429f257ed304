using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Watcher.Caches;
using Watcher.Caches.Factory;
using Watcher.Config;

namespace Watcher.Tests.Caches.Factory;

public sealed class CacheFactoryTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("cache-factory-");

    public void Dispose() => _root.Delete(recursive: true);

    private string KeyFile => Path.Combine(_root.FullName, "config", "nix-watcher", "signing.key");

    private FileCacheOptions DefaultKeyCache => new()
    {
        Name = "local",
        Path = Path.Combine(_root.FullName, "cache"),
        SigningKeyFile = KeyFile,
        GenerateSigningKeyIfMissing = true,
    };

    private FileCacheOptions Cache(string name, CompressionKind compression) => new()
    {
        Name = name,
        Path = Path.Combine(_root.FullName, name),
        SigningKeyFile = KeyFile,
        GenerateSigningKeyIfMissing = true,
        Compression = compression,
    };

    [Fact]
    public void Create_MissingDefaultKey_CreatesItAndReportsThePublicKey()
    {
        using var factory = new CacheFactory();

        factory.Create(DefaultKeyCache, "/nix/store", SingleAttempt.Instance);

        Assert.True(File.Exists(KeyFile));
        Assert.Equal(KeyFile, Assert.Single(factory.CreatedKeys).KeyFile);
        Assert.Empty(factory.MissingKeys);
    }

    [Fact]
    public void Create_MissingDefaultKeyWithoutCreating_ListsItAndWritesNothing()
    {
        using var factory = new CacheFactory { CreateMissingKeys = false };

        var cache = factory.Create(DefaultKeyCache, "/nix/store", SingleAttempt.Instance);
        factory.Create(DefaultKeyCache, "/nix/store", SingleAttempt.Instance);

        Assert.Equal("local", cache.Name);
        Assert.Equal([KeyFile], factory.MissingKeys);
        Assert.Empty(factory.CreatedKeys);
        Assert.False(Directory.Exists(Path.GetDirectoryName(KeyFile)));
    }

    [Theory]
    [InlineData(null, LogLevel.Debug)]
    [InlineData(LogLevel.Information, LogLevel.Information)]
    public void Create_TwoZstdCaches_LogsTheZstdEncoderOnceAtItsLevel(LogLevel? configured, LogLevel expected)
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        using var factory = configured is { } level ? new CacheFactory(loggerFactory) { EncoderLogLevel = level } : new CacheFactory(loggerFactory);

        factory.Create(DefaultKeyCache, "/nix/store", SingleAttempt.Instance);
        factory.Create(Cache("other", CompressionKind.Zstd), "/nix/store", SingleAttempt.Instance);

        var record = Assert.Single(logs.GetSnapshot(), r => r.Id.Name == "ZstdEncoder");
        Assert.Matches(@"^zstd: libzstd 1\.\d+\.\d+$", record.Message);
        Assert.Equal(expected, record.Level);
    }

    [Fact]
    public void Create_UncompressedCache_DoesNotLogAZstdEncoder()
    {
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(logs)));
        using var factory = new CacheFactory(loggerFactory);

        factory.Create(Cache("plain", CompressionKind.None), "/nix/store", SingleAttempt.Instance);

        Assert.DoesNotContain(logs.GetSnapshot(), r => r.Id.Name == "ZstdEncoder");
    }
}
