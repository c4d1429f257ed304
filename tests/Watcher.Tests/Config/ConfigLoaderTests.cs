using Watcher.Config;

namespace Watcher.Tests.Config;

public sealed class ConfigLoaderTests : IDisposable
{
    // The example of shared/design.md, verbatim.
    private const string DesignExample = """
        state-dir = "~/.local/state/nix-watcher"   # default: $XDG_STATE_HOME/nix-watcher
        [watch]
        store-dir = "/nix/store"
        scan = "roots"                    # none | roots | all   (start-up catch-up)
        roots = ["/run/current-system", "~/.nix-profile"]
        skip-derivations = true           # .drv files
        exclude = []                      # regexes on the store path name
        jobs = 4                          # upload workers per cache
        [caches.local]                    # with no config at all, this one exists by default
        type = "file"
        path = "~/.cache/nix-watcher/cache"
        signing-key-file = "~/.config/nix-watcher/signing.key"   # created on first run if missing
        compression = "zstd"
        [caches.home]                     # as many as you like
        type = "attic"
        server = "home"                   # from ~/.config/attic/config.toml
        cache = "private"
        [caches.minio]
        type = "s3"
        bucket = "nix-cache"
        endpoint = "https://s3.homelab.local"
        profile = "nixbuilder"
        signing-key-file = "~/.config/nix/secret.key"
        compression = "zstd"              # zstd | none
        skip-signed-by = ["cache.nixos.org-1"]
        [metrics]
        listen = "127.0.0.1:9464"         # "" disables
        """;

    private readonly ConfigSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Load_DesignExample_BindsEveryKey()
    {
        string home = _sandbox.Home;
        _sandbox.WriteSecretKey("home/.config/nix/secret.key");
        _sandbox.Write("home/.config/attic/config.toml", """
            default-server = "home"
            [servers.home]
            endpoint = "https://attic.example.org/"
            token = "not-a-real-token"
            """);

        WatcherOptions options = _sandbox.LoadToml(DesignExample);

        Assert.Equal(Path.Combine(_sandbox.Root, "config.toml"), options.SourceFile);
        Assert.False(options.IsBuiltInDefault);
        Assert.Equal($"{home}/.local/state/nix-watcher", options.StateDir);
        Assert.Equal("/nix/store", options.Watch.StoreDir);
        Assert.Equal(ScanMode.Roots, options.Watch.Scan);
        Assert.Equal(["/run/current-system", $"{home}/.nix-profile"], options.Watch.Roots);
        Assert.True(options.Watch.SkipDerivations);
        Assert.Empty(options.Watch.Exclude);
        Assert.Equal(4, options.Watch.Jobs);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.Watch.BatchQuiet);
        Assert.Equal(TimeSpan.FromMilliseconds(2000), options.Watch.BatchMax);
        Assert.Equal(["local", "home", "minio"], options.Caches.Select(c => c.Name));

        var local = Assert.IsType<FileCacheOptions>(options.Caches[0]);
        Assert.Equal($"{home}/.cache/nix-watcher/cache", local.Path);
        Assert.Equal($"{home}/.config/nix-watcher/signing.key", local.SigningKeyFile);
        Assert.True(local.GenerateSigningKeyIfMissing);
        Assert.Equal(CompressionKind.Zstd, local.Compression);
        Assert.Equal(3, local.CompressionLevel);
        Assert.Equal(4, local.Jobs);

        var attic = Assert.IsType<AtticCacheOptions>(options.Caches[1]);
        Assert.Equal("home", attic.Server);
        Assert.Equal("private", attic.Cache);
        Assert.Equal(new Uri("https://attic.example.org/"), attic.Endpoint);
        Assert.Equal($"{home}/.config/attic/config.toml", attic.AtticConfigFile);
        Assert.Null(attic.TokenFile);
        Assert.Null(attic.UploadEndpoint);

        var s3 = Assert.IsType<S3CacheOptions>(options.Caches[2]);
        Assert.Equal("nix-cache", s3.Bucket);
        Assert.Equal(new Uri("https://s3.homelab.local"), s3.Endpoint);
        Assert.Equal("nixbuilder", s3.Profile);
        Assert.Null(s3.Region);
        Assert.Equal($"{home}/.config/nix/secret.key", s3.SigningKeyFile);
        Assert.False(s3.GenerateSigningKeyIfMissing);
        Assert.Equal(["cache.nixos.org-1"], s3.SkipSignedBy);
        Assert.Equal(64, s3.PartSizeMb);

        Assert.Equal("127.0.0.1:9464", options.Metrics.Listen);
        Assert.True(options.Metrics.Enabled);
    }

    [Fact]
    public void Load_NoFileAndXdgVariables_UsesBuiltInDefaultUnderXdgDirectories()
    {
        _sandbox.Environment["XDG_CONFIG_HOME"] = Path.Combine(_sandbox.Root, "cfg");
        _sandbox.Environment["XDG_CACHE_HOME"] = Path.Combine(_sandbox.Root, "cch");
        _sandbox.Environment["XDG_STATE_HOME"] = Path.Combine(_sandbox.Root, "st");

        WatcherOptions options = _sandbox.Load(null);

        Assert.True(options.IsBuiltInDefault);
        Assert.Null(options.SourceFile);
        Assert.Equal(Path.Combine(_sandbox.Root, "st", "nix-watcher"), options.StateDir);
        var local = Assert.IsType<FileCacheOptions>(Assert.Single(options.Caches));
        Assert.Equal("local", local.Name);
        Assert.Equal(Path.Combine(_sandbox.Root, "cch", "nix-watcher", "cache"), local.Path);
        Assert.Equal(Path.Combine(_sandbox.Root, "cfg", "nix-watcher", "signing.key"), local.SigningKeyFile);
        Assert.True(local.GenerateSigningKeyIfMissing);
        Assert.Equal(CompressionKind.Zstd, local.Compression);
        Assert.Equal(["/run/current-system", $"{_sandbox.Home}/.nix-profile"], options.Watch.Roots);
        Assert.Equal("127.0.0.1:9464", options.Metrics.Listen);
    }

    [Fact]
    public void Load_NoFileAndNoXdgVariables_UsesPathsUnderHome()
    {
        _sandbox.Environment["XDG_CONFIG_HOME"] = "relative/is/ignored";

        WatcherOptions options = _sandbox.Load(null);

        string home = _sandbox.Home;
        Assert.Equal($"{home}/.local/state/nix-watcher", options.StateDir);
        var local = Assert.IsType<FileCacheOptions>(Assert.Single(options.Caches));
        Assert.Equal($"{home}/.cache/nix-watcher/cache", local.Path);
        Assert.Equal($"{home}/.config/nix-watcher/signing.key", local.SigningKeyFile);
    }

    [Fact]
    public void Load_DefaultFileExists_IsReadInsteadOfBuiltInDefault()
    {
        string file = _sandbox.Write("home/.config/nix-watcher/config.toml", "[metrics]\nlisten = \"\"\n");

        WatcherOptions options = _sandbox.Load(null);

        Assert.Equal(file, options.SourceFile);
        Assert.False(options.Metrics.Enabled);
        var local = Assert.IsType<FileCacheOptions>(Assert.Single(options.Caches));
        Assert.Equal("local", local.Name);
    }

    [Fact]
    public void Load_NixWatcherConfigVariable_NamesTheFile()
    {
        string file = _sandbox.Write("elsewhere.toml", "[watch]\njobs = 9\n");
        _sandbox.Environment["NIX_WATCHER_CONFIG"] = file;

        WatcherOptions options = _sandbox.Load(null);

        Assert.Equal(file, options.SourceFile);
        Assert.Equal(9, options.Watch.Jobs);
        Assert.Equal(9, Assert.Single(options.Caches).Jobs);
    }

    [Fact]
    public void Load_TildeAndRelativePaths_AreExpanded()
    {
        (string keyPath, _) = _sandbox.WriteSecretKey("home/keys/k.sec");
        _sandbox.Write("home/tok", "token");

        WatcherOptions options = _sandbox.LoadToml("""
            state-dir = "~"
            [watch]
            roots = ["~/.nix-profile", "~", "profiles/x", "/abs"]
            [caches.f]
            type = "file"
            path = "~/c"
            signing-key-file = "~/keys/k.sec"
            [caches.a]
            type = "attic"
            endpoint = "https://a.example/"
            cache = "c"
            token-file = "~/tok"
            """);

        string home = _sandbox.Home;
        Assert.Equal(home, options.StateDir);
        Assert.Equal([$"{home}/.nix-profile", home, Path.Combine(_sandbox.Root, "profiles/x"), "/abs"], options.Watch.Roots);
        var file = Assert.IsType<FileCacheOptions>(options.Caches[0]);
        Assert.Equal($"{home}/c", file.Path);
        Assert.Equal(keyPath, file.SigningKeyFile);
        Assert.False(file.GenerateSigningKeyIfMissing);
        Assert.Equal($"{home}/tok", Assert.IsType<AtticCacheOptions>(options.Caches[1]).TokenFile);
    }

    [Fact]
    public void Load_EveryOptionalKey_OverridesItsDefault()
    {
        _sandbox.WriteSecretKey("k.sec");
        _sandbox.Write("tok", "token");

        WatcherOptions options = _sandbox.LoadToml("""
            [watch]
            store-dir = "/chroot/nix/store/"
            scan = "all"
            skip-derivations = false
            exclude = ["-source$", "^[a-z0-9]{32}-nixos-system"]
            jobs = 2
            batch-quiet-ms = 100
            batch-max-ms = 500
            [caches.s]
            type = "s3"
            bucket = "b"
            region = "eu-west-1"
            compression = "none"
            compression-level = 9
            part-size-mb = 16
            jobs = 7
            signing-key-file = "k.sec"
            [caches.a]
            type = "attic"
            endpoint = "http://a.example:8080/"
            upload-endpoint = "http://10.0.0.2:8080/"
            cache = "c"
            token-file = "tok"
            skip-signed-by = ["x-1", "y-1"]
            [metrics]
            listen = "[::1]:9000"
            """);

        Assert.Equal("/chroot/nix/store", options.Watch.StoreDir);
        Assert.Equal(ScanMode.All, options.Watch.Scan);
        Assert.False(options.Watch.SkipDerivations);
        Assert.Matches(options.Watch.Exclude[0], "abc-foo-source");
        Assert.DoesNotMatch(options.Watch.Exclude[1], "hello");
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.Watch.BatchQuiet);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Watch.BatchMax);
        var s3 = Assert.IsType<S3CacheOptions>(options.Caches[0]);
        Assert.Equal((CompressionKind.None, 9, 16, 7, "eu-west-1"), (s3.Compression, s3.CompressionLevel, s3.PartSizeMb, s3.Jobs, s3.Region));
        var attic = Assert.IsType<AtticCacheOptions>(options.Caches[1]);
        Assert.Equal(2, attic.Jobs);
        Assert.Null(attic.Server);
        Assert.Equal(new Uri("http://10.0.0.2:8080/"), attic.UploadEndpoint);
        Assert.Equal(["x-1", "y-1"], attic.SkipSignedBy);
        Assert.Equal("[::1]:9000", options.Metrics.Listen);
    }

    [Fact]
    public void Load_InlineAndDottedTables_BindLikeHeaders()
    {
        WatcherOptions options = _sandbox.LoadToml("""
            watch.jobs = 3
            [caches]
            one = { type = "file", path = "/srv/one" }
            two.type = "file"
            two.path = "/srv/two"
            """);

        Assert.Equal(3, options.Watch.Jobs);
        Assert.Equal(["/srv/one", "/srv/two"], options.Caches.Select(c => Assert.IsType<FileCacheOptions>(c).Path));
    }

    [Fact]
    public void Load_RetryTables_CacheKeysOverrideTheTopLevelOnesKeyByKey()
    {
        WatcherOptions options = _sandbox.LoadToml("""
            [retry]
            attempts = 3
            base-delay-ms = 200
            [caches.one]
            type = "file"
            path = "/srv/one"
            [caches.one.retry]
            attempts = 10
            timeout-ms = 5000
            [caches.two]
            type = "file"
            path = "/srv/two"
            """);

        var one = options.Caches[0].Retry;
        var two = options.Caches[1].Retry;
        Assert.Equal((10, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5)), (one.Attempts, one.BaseDelay, one.MaxDelay, one.Timeout));
        Assert.Equal((3, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)), (two.Attempts, two.BaseDelay, two.MaxDelay, two.Timeout));
    }

    [Fact]
    public void Load_NoRetryTable_DefaultsForEveryCacheIncludingTheBuiltInOne()
    {
        WatcherOptions options = _sandbox.LoadToml("[watch]\njobs = 2\n");

        Assert.Equal(new RetryOptions(), Assert.Single(options.Caches).Retry);
    }
}
