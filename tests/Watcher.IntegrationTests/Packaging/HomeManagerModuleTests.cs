using System.Text.Json;
using Watcher.Cli;
using Watcher.Config;
using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>
/// The home-manager module evaluates, renders a config.toml that Watcher's own loader accepts, installs
/// the unit with the hardening of <c>systemd/nix-watcher.service</c>, and derives the same substituters
/// as <c>nix-watcher netrc</c>.
/// </summary>
public sealed class HomeManagerModuleTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("hm-module-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Root => _root.FullName;

    private Dictionary<string, string?> Environment => WatcherHome.IsolatedEnvironment(Root);

    [Fact]
    public async Task Module_WithFileS3AndAtticCaches_RendersAConfigTheLoaderAccepts()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateSecretsAsync(ct);

        JsonElement result = await HomeManagerEval.EvaluateAsync(ExampleUser(), Root, ct);
        string configFile = result.GetProperty("configFile").GetString()!;

        WatcherOptions options = ConfigLoader.Load(configFile, Environment);

        Assert.Equal(Path.Combine(Root, "state"), options.StateDir);
        Assert.Equal(2, options.Watch.Jobs);
        Assert.Equal(ScanMode.Roots, options.Watch.Scan);
        Assert.Equal(["direct", "home", "local", "minio"], options.Caches.Select(c => c.Name));
        var s3 = Assert.IsType<S3CacheOptions>(options.Caches[3]);
        Assert.Equal(new Uri("https://s3.homelab.local:9000"), s3.Endpoint);
        Assert.Equal(["cache.nixos.org-1"], s3.SkipSignedBy);
        var home = Assert.IsType<AtticCacheOptions>(options.Caches[1]);
        Assert.Equal(new Uri("https://attic.example.com/"), home.Endpoint);
        Assert.Equal(Path.Combine(Root, "attic-token"), home.TokenFile);
        var direct = Assert.IsType<AtticCacheOptions>(options.Caches[0]);
        Assert.Equal(new Uri("http://10.0.0.5:8080/"), direct.UploadEndpoint);
        Assert.Equal(CompressionKind.None, Assert.IsType<FileCacheOptions>(options.Caches[2]).Compression);
        Assert.Equal(string.Empty, options.Metrics.Listen);
    }

    [Fact]
    public async Task Module_RenderedConfig_PassesCheckOffline()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateSecretsAsync(ct);
        JsonElement result = await HomeManagerEval.EvaluateAsync(ExampleUser(), Root, ct);
        string configFile = result.GetProperty("configFile").GetString()!;

        var check = await RunWatcherAsync(["--config", configFile, "check", "--offline"], ct);

        Assert.True(check.ExitCode == 0, $"exit {check.ExitCode}\n{check.StandardOutput}{check.StandardError}");
        Assert.Contains($"config {configFile}: ok, caches: direct, home, local, minio", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"signing key {Path.Combine(Root, "signing.key")}: ok, public key hm-test-1:", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"attic token for home: read from '{Path.Combine(Root, "attic-token")}'", check.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("offline: the caches and the nix-daemon were not contacted", check.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("test.token", check.StandardOutput + check.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Module_RenderedConfig_WithMissingTokenFile_FailsCheckOfflineWith78()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateSecretsAsync(ct);
        JsonElement result = await HomeManagerEval.EvaluateAsync(ExampleUser(), Root, ct);
        File.Delete(Path.Combine(Root, "attic-token"));

        var check = await RunWatcherAsync(["--config", result.GetProperty("configFile").GetString()!, "check", "--offline"], ct);

        Assert.Equal(78, check.ExitCode);
        Assert.Matches(@"nix-watcher\.toml:\d+:\d+: 'caches\.direct\.token-file'", check.StandardError);
    }

    [Fact]
    public async Task Module_Unit_HasTheHardeningOfTheUnitFile_AndRunsTheRenderedConfig()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateSecretsAsync(ct);

        JsonElement result = await HomeManagerEval.EvaluateAsync(ExampleUser(), Root, ct);
        var installed = new UnitFile(HomeManagerEval.TextOf(result.GetProperty("unitDrvs").GetProperty("nix-watcher").GetString()!));
        string configFile = result.GetProperty("configFile").GetString()!;
        var file = new UnitFile(await File.ReadAllTextAsync(RepoFiles.UnitFile, ct));

        foreach (var group in file.Section("Service").GroupBy(e => e.Key).Where(g => g.Key is not ("ExecStart" or "ReadWritePaths")))
        {
            Assert.Equal(group.Select(e => e.Value), installed.All("Service", group.Key));
        }

        string package = result.GetProperty("package").GetString()!;
        Assert.Equal([$"{package}/bin/nix-watcher --config {configFile} run"], installed.All("Service", "ExecStart"));
        Assert.Equal(
            [.. file.All("Service", "ReadWritePaths"), $"-{Path.Combine(Root, "state")}", $"-{Path.Combine(Root, "cache")}"],
            installed.All("Service", "ReadWritePaths"));
        Assert.Contains($"d {Path.Combine(Root, "state")} 0700 - - -", HomeManagerEval.Values(result.GetProperty("tmpfiles")));
    }

    [Fact]
    public async Task Module_Substituters_MatchWhatNetrcCommandDerives()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateSecretsAsync(ct);

        // Under the NixOS module, home-manager has the system's nix.package and writes nix.conf.
        JsonElement result = await HomeManagerEval.EvaluateAsync(ExampleUser(), Root, ct, nixos: true);
        JsonElement nix = result.GetProperty("nixSettings");
        WatcherOptions options = ConfigLoader.Load(result.GetProperty("configFile").GetString()!, Environment);
        NetrcCommand.Content content = NetrcCommand.Build(options);

        Assert.Equal(content.Substituters.Order(StringComparer.Ordinal), HomeManagerEval.Values(nix.GetProperty("extra-substituters")).Order(StringComparer.Ordinal));
        Assert.Equal(Path.Combine(Root, ".config", "nix", "netrc"), nix.GetProperty("netrc-file").GetString());
        Assert.Empty(result.GetProperty("warnings").EnumerateArray());
        string netrcExec = Assert.Single(HomeManagerEval.Values(result.GetProperty("netrcService").GetProperty("Service").GetProperty("ExecStart")));
        Assert.EndsWith($"netrc --output {Path.Combine(Root, ".config", "nix", "netrc")}", netrcExec, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Module_EmptySettings_GivesTheBuiltInDefaultCache()
    {
        var ct = TestContext.Current.CancellationToken;

        JsonElement result = await HomeManagerEval.EvaluateAsync("{ }", Root, ct);
        WatcherOptions options = ConfigLoader.Load(result.GetProperty("configFile").GetString()!, Environment);

        var local = Assert.IsType<FileCacheOptions>(Assert.Single(options.Caches));
        Assert.Equal(Path.Combine(Root, ".cache", "nix-watcher", "cache"), local.Path);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("nixSettings").ValueKind);
    }

    [Fact]
    public async Task Module_RetentionSchedule_RendersRetentionTablesOfTheFileAndS3CachesThatTheLoaderAccepts()
    {
        var ct = TestContext.Current.CancellationToken;
        await CreateSecretsAsync(ct);

        JsonElement result = await HomeManagerEval.EvaluateAsync(ExampleUser("retention = { enable = true; keepDays = 14; interval = \"12h\"; };"), Root, ct);
        WatcherOptions options = ConfigLoader.Load(result.GetProperty("configFile").GetString()!, Environment);

        var expected = new RetentionOptions { KeepDays = 14, Interval = TimeSpan.FromHours(12), Grace = TimeSpan.FromHours(24) };
        Assert.Equal(expected, Assert.IsType<FileCacheOptions>(options.Caches[2]).Retention);
        Assert.Equal(expected, Assert.IsType<S3CacheOptions>(options.Caches[3]).Retention);
        Assert.Contains("[caches.minio.retention]", result.GetProperty("toml").GetString(), StringComparison.Ordinal);
        Assert.Equal(["direct", "home", "local", "minio"], options.Caches.Select(c => c.Name));
    }

    [Fact]
    public async Task Module_RetentionOfOneCacheWithTheDefaultSettings_RendersTheBuiltInCacheWithIt()
    {
        var ct = TestContext.Current.CancellationToken;

        JsonElement result = await HomeManagerEval.EvaluateAsync("{ retention = { enable = true; caches = [ \"local\" ]; }; }", Root, ct);
        WatcherOptions options = ConfigLoader.Load(result.GetProperty("configFile").GetString()!, Environment);

        var local = Assert.IsType<FileCacheOptions>(Assert.Single(options.Caches));
        Assert.Equal(Path.Combine(Root, ".cache", "nix-watcher", "cache"), local.Path);
        Assert.Equal(30, local.Retention?.KeepDays);
        Assert.Equal(TimeSpan.FromDays(1), local.Retention?.Interval);
    }

    [Theory]
    [InlineData("retention = { enable = true; caches = [ \"home\" ]; };", "retention.caches: 'home' is an attic cache; the Attic server keeps its own retention")]
    [InlineData("retention = { enable = true; caches = [ \"nas\" ]; };", "retention.caches: there is no cache named 'nas'")]
    [InlineData("retention = { enable = true; keepDays = 1; };", "option `services.nix-watcher.retention.keepDays' is not of type `integer between 2 and 36500")]
    public async Task Module_RetentionThatCannotApply_FailsEvaluationWithTheReason(string retention, string expected)
    {
        var ct = TestContext.Current.CancellationToken;

        var result = await HomeManagerEval.RunAsync(ExampleUser(retention), Root, ct);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Module_SecretFileInTheStore_FailsEvaluation()
    {
        var ct = TestContext.Current.CancellationToken;
        const string User = """{ settings.caches.local = { type = "file"; path = "/tmp/c"; signing-key-file = "/nix/store/00000000000000000000000000000000-key"; }; }""";

        var result = await HomeManagerEval.RunAsync(User, Root, ct);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("caches.local.signing-key-file must be a path string outside the Nix store", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Runs the built nix-watcher with this home, an AWS profile <c>nixbuilder</c>, and no reachable nix-daemon.</summary>
    private Task<ProcessResult> RunWatcherAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var environment = Environment;
        environment["NIX_WATCHER_CONFIG"] = null;
        environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(Root, "aws-credentials");
        environment["AWS_CONFIG_FILE"] = Path.Combine(Root, "aws-config");
        environment[Watcher.Store.NixDaemonClientOptions.SocketPathVariable] = Path.Combine(Root, "no-daemon.sock");
        return WatcherExecutable.RunAsync(arguments, environment, cancellationToken);
    }

    private string ExampleUser(string extra = "") => $$"""
        {
          {{extra}}
          settings = {
            state-dir = "{{Root}}/state";
            watch = { scan = "roots"; roots = [ "/run/current-system" ]; skip-derivations = true; exclude = [ "-doc$" ]; jobs = 2; batch-quiet-ms = 250; batch-max-ms = 2000; };
            caches.local = { type = "file"; path = "{{Root}}/cache"; signing-key-file = "{{Root}}/signing.key"; compression = "none"; };
            caches.minio = {
              type = "s3"; bucket = "nix-cache"; endpoint = "https://s3.homelab.local:9000"; region = "eu-1"; profile = "nixbuilder";
              signing-key-file = "{{Root}}/signing.key"; compression = "zstd"; compression-level = 6; part-size-mb = 64;
              skip-signed-by = [ "cache.nixos.org-1" ]; jobs = 8;
            };
            caches.home = { type = "attic"; server = "home"; cache = "private"; };
            caches.direct = { type = "attic"; endpoint = "https://attic2.example.com/"; cache = "pub"; token-file = "{{Root}}/attic-token"; upload-endpoint = "http://10.0.0.5:8080/"; };
            metrics.listen = "";
          };
          substituters = { enable = true; extraUrls = [ "https://attic.example.com/private" ]; };
        }
        """;

    private async Task CreateSecretsAsync(CancellationToken cancellationToken)
    {
        var (key, text) = NixSecretKey.Generate("hm-test-1");
        key.Dispose();
        await File.WriteAllTextAsync(Path.Combine(Root, "signing.key"), text, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(Root, "attic-token"), "eyJhbGciOiJIUzI1NiJ9.test.token\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(Root, "aws-credentials"), "[nixbuilder]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n", cancellationToken);
        string attic = Path.Combine(Root, ".config", "attic");
        Directory.CreateDirectory(attic);
        await File.WriteAllTextAsync(
            Path.Combine(attic, "config.toml"),
            $"default-server = \"home\"\n\n[servers.home]\nendpoint = \"https://attic.example.com/\"\ntoken-file = \"{Root}/attic-token\"\n",
            cancellationToken);
    }
}
