using Watcher.Config;
using Watcher.Upload;
using Watcher.Upload.Resilience;

namespace Watcher.Tests.Upload;

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
}
