using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Cli;

/// <summary>A bad config stops nix-watcher with one clear message and exit code 78, before anything runs.</summary>
public sealed class ConfigErrorTests
{
    private const string Key = "test-key-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==";

    public static TheoryData<string, string, string> Configs => new()
    {
        { "bad TOML", "[watch\njobs = 2\n", "config.toml:1:" },
        { "unknown top-level key", "stat-dir = \"/tmp\"\n", "config.toml:1:1: unknown key 'stat-dir'" },
        { "unknown key in watch", "[watch]\njob = 2\n", "config.toml:2:1: unknown key 'watch.job'" },
        { "unknown cache key", "[caches.c]\ntype = \"file\"\npath = \"/tmp/c\"\nsigning-key-file = \"KEYFILE\"\ncompresion = \"zstd\"\n", "config.toml:5:1: unknown key 'caches.c.compresion'" },
        { "wrong type", "[watch]\njobs = \"four\"\n", "config.toml:2:8: 'watch.jobs' must be an integer" },
        { "bad enum", "[watch]\nscan = \"sometimes\"\n", "'watch.scan'" },
        { "jobs zero", "[watch]\njobs = 0\n", "'watch.jobs'" },
        { "missing required key", "[caches.c]\ntype = \"file\"\nsigning-key-file = \"KEYFILE\"\n", "'caches.c.path'" },
        { "unknown cache type", "[caches.c]\ntype = \"ftp\"\n", "'caches.c.type'" },
        { "missing key file", "[caches.c]\ntype = \"file\"\npath = \"/tmp/c\"\nsigning-key-file = \"/nonexistent/key\"\n", "'caches.c.signing-key-file'" },
        { "key file is a directory", "[caches.c]\ntype = \"file\"\npath = \"/tmp/c\"\nsigning-key-file = \"/tmp\"\n", "'caches.c.signing-key-file'" },
        { "public key as secret key", "[caches.c]\ntype = \"file\"\npath = \"/tmp/c\"\nsigning-key-file = \"PUBFILE\"\n", "'caches.c.signing-key-file'" },
        { "bad regex", "[watch]\nexclude = [\"(unclosed\"]\n", "'watch.exclude" },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public async Task Push_MalformedConfig_ExitsWith78AndNamesTheProblem(string what, string toml, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        string keyFile = Path.Combine(home.Root, "secret.key");
        string pubFile = Path.Combine(home.Root, "public.key");
        await File.WriteAllTextAsync(keyFile, Key, ct);
        await File.WriteAllTextAsync(pubFile, "test-key-1:A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=", ct);
        string config = Path.Combine(home.Root, "config.toml");
        await File.WriteAllTextAsync(config, toml.Replace("KEYFILE", keyFile, StringComparison.Ordinal).Replace("PUBFILE", pubFile, StringComparison.Ordinal), ct);

        var result = await home.RunAsync(["--config", config, "push", "/nix/store/00000000000000000000000000000000-x"], ct);

        Assert.True(result.ExitCode == 78, $"{what}: exit {result.ExitCode}\n{result.StandardError}");
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task Push_ConfigFileMissing_ExitsWith78()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();

        var result = await home.RunAsync(["--config", Path.Combine(home.Root, "nope.toml"), "push", "/nix/store/00000000000000000000000000000000-x"], ct);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains("nope.toml", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_UnknownOption_ExitsWith2()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();

        var result = await home.RunAsync(["push", "--frobnicate", "/nix/store/00000000000000000000000000000000-x"], ct);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--frobnicate", result.StandardError, StringComparison.Ordinal);
    }
}
