using Watcher.Config;
using Watcher.Pipeline;

namespace Watcher.Tests.Pipeline;

public sealed class CacheFingerprintTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fingerprint-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Of_SameConfigAndSecrets_IsStable()
    {
        File.WriteAllText(Path.Combine(_dir, "token"), "eyJ.old.sig");

        Assert.Equal(CacheFingerprint.Of(Attic()), CacheFingerprint.Of(Attic()));
    }

    [Fact]
    public void Of_TokenFileRewritten_Changes()
    {
        string token = Path.Combine(_dir, "token");
        File.WriteAllText(token, "eyJ.old.sig");
        string before = CacheFingerprint.Of(Attic());

        File.WriteAllText(token, "eyJ.new.sig");

        Assert.NotEqual(before, CacheFingerprint.Of(Attic()));
        Assert.DoesNotContain("eyJ", CacheFingerprint.Of(Attic()), StringComparison.Ordinal);
    }

    [Fact]
    public void Of_SettingChanged_Changes()
    {
        Assert.NotEqual(CacheFingerprint.Of(Attic()), CacheFingerprint.Of(Attic(new Uri("http://10.0.0.5:8080/"))));
        Assert.NotEqual(CacheFingerprint.Of(Attic()), CacheFingerprint.Of(new AtticCacheOptions
        {
            Name = "home",
            Cache = "private",
            Endpoint = new Uri("https://attic.example.org/"),
            TokenFile = Path.Combine(_dir, "token"),
            Retry = new RetryOptions { Attempts = 20 },
        }));
    }

    private AtticCacheOptions Attic(Uri? uploadEndpoint = null) => new()
    {
        Name = "home",
        Cache = "private",
        Endpoint = new Uri("https://attic.example.org/"),
        UploadEndpoint = uploadEndpoint,
        TokenFile = Path.Combine(_dir, "token"),
    };
}
