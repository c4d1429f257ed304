using Watcher.Config;

namespace Watcher.Tests.Config;

/// <summary>The <c>[caches.NAME.retention]</c> tables; refusals are in <see cref="ConfigLoaderErrorTests"/>.</summary>
public sealed class ConfigBinderRetentionTests : IDisposable
{
    private readonly ConfigSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Load_RetentionOfFileAndS3Caches_BindsKeepDaysIntervalAndGraceWithDefaults()
    {
        WatcherOptions options = _sandbox.LoadToml("""
            [caches.local]
            type = "file"
            path = "/srv/cache"
            [caches.local.retention]
            keep-days = 30
            [caches.minio]
            type = "s3"
            bucket = "nix-cache"
            retention = { keep-days = 2, interval = "6h", grace = "90m" }
            [caches.plain]
            type = "file"
            path = "/srv/plain"
            """);

        var local = Assert.IsType<FileCacheOptions>(options.Caches[0]).Retention;
        var minio = Assert.IsType<S3CacheOptions>(options.Caches[1]).Retention;
        Assert.Equal(new RetentionOptions { KeepDays = 30, Interval = TimeSpan.FromDays(1), Grace = TimeSpan.FromHours(24) }, local);
        Assert.Equal(new RetentionOptions { KeepDays = 2, Interval = TimeSpan.FromHours(6), Grace = TimeSpan.FromMinutes(90) }, minio);
        Assert.Null(Assert.IsType<FileCacheOptions>(options.Caches[2]).Retention);
    }

    [Fact]
    public void Load_SeveralRefusedRetentionSettings_ReportsEach()
    {
        string[] lines = _sandbox.LoadErrors("""
            [caches.s]
            type = "file"
            path = "/srv/c"
            [caches.s.retention]
            keep-days = 1
            interval = "30m"
            grace = "10m"
            """);

        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains("'caches.s.retention.keep-days' 1 is below the minimum of 2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("'caches.s.retention.interval' 30m is below the minimum of 1h", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("'caches.s.retention.grace' 10m is below the minimum of 1h", StringComparison.Ordinal));
    }
}
