using System.Runtime.Versioning;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Tests.Config;

public sealed class ConfigLoaderErrorTests : IDisposable
{
    private const string Attic = "[caches.a]\ntype = \"attic\"\nendpoint = \"https://a.example/\"\ncache = \"c\"\n";
    private const string FileCache = "[caches.s]\ntype = \"file\"\npath = \"/srv/c\"\n";

    private readonly ConfigSandbox _sandbox = new();

    public ConfigLoaderErrorTests()
    {
        _sandbox.Write("home/.config/attic/config.toml", "[servers.home]\nendpoint = \"https://attic.example/\"\n");
        (NixSecretKey key, _) = NixSecretKey.Generate("test-1");
        _sandbox.Write("public.key", key.PublicKey + "\n");
        key.Dispose();
    }

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("syntax", "[watch\njobs = 2\n", 1, 7, null, "invalid TOML")]
    [InlineData("duplicate TOML key", "[watch]\njobs = 1\njobs = 2\n", 3, 1, null, "invalid TOML: The key `watch.jobs` is already defined at (2,1) and cannot be redefined")]
    [InlineData("unknown top-level key", "statedir = \"/x\"\n", 1, 1, "statedir", "unknown key")]
    [InlineData("unknown key in watch", "[watch]\njobs = 2\njbos = 3\n", 3, 1, "watch.jbos", "unknown key")]
    [InlineData("unknown key in cache", Attic + "tokenfile = \"/t\"\n", 5, 1, "caches.a.tokenfile", "unknown key")]
    [InlineData("key of another type", "[caches.minio]\ntype = \"s3\"\nbucket = \"b\"\npath = \"/srv/c\"\n", 4, 1, "caches.minio.path", "does not apply to caches of type s3 (only to file caches)")]
    [InlineData("compression on attic", Attic + "compression = \"zstd\"\n", 5, 1, "caches.a.compression", "does not apply to caches of type attic (only to file and s3 caches)")]
    [InlineData("string for jobs", "[watch]\njobs = \"4\"\n", 2, 8, "watch.jobs", "must be an integer, not a string")]
    [InlineData("wrong type in an inline table", "[caches]\none = { type = \"file\", path = 1 }\n", 2, 31, "caches.one.path", "must be a string, not an integer")]
    [InlineData("int for scan", "[watch]\nscan = 1\n", 2, 8, "watch.scan", "must be a string (none | roots | all), not an integer")]
    [InlineData("bad enum", FileCache + "compression = \"gzip\"\n", 4, 15, "caches.s.compression", "must be one of zstd | none, not 'gzip'")]
    [InlineData("missing bucket", "[caches.minio]\ntype = \"s3\"\nendpoint = \"https://s3.example\"\n", 1, 1, "caches.minio.bucket", "missing required key")]
    [InlineData("missing type", "[caches.x]\npath = \"/p\"\n", 1, 1, "caches.x.type", "missing required key")]
    [InlineData("attic without server or endpoint", "[caches.a]\ntype = \"attic\"\ncache = \"c\"\n", 1, 1, "caches.a.server", "or 'caches.a.endpoint'")]
    [InlineData("attic with server and endpoint", Attic + "server = \"home\"\n", 3, 1, "caches.a.endpoint", "not both")]
    [InlineData("jobs = 0", "[watch]\njobs = 0\n", 2, 8, "watch.jobs", "must be between 1 and 1024, not 0")]
    [InlineData("cache jobs = 0", FileCache + "jobs = 0\n", 4, 8, "caches.s.jobs", "must be between 1 and 1024, not 0")]
    [InlineData("bad regex", "[watch]\nexclude = [\"ok\", \"(unclosed\"]\n", 2, 18, "watch.exclude", "invalid regex '(unclosed'")]
    [InlineData("backtracking-only regex", "[watch]\nexclude = [\"^(?!keep)\"]\n", 2, 12, "watch.exclude", "look-arounds")]
    [InlineData("non-string array item", "[watch]\nroots = [\"/a\", 1]\n", 2, 16, "watch.roots", "must be an array of strings, but an item is an integer")]
    [InlineData("table as value", "watch = 1\n", 1, 9, "watch", "must be a table, not an integer")]
    [InlineData("array of tables", "[[caches]]\ntype = \"file\"\n", 1, 1, "caches", "must be a table, not an array of tables")]
    [InlineData("relative store dir", "[watch]\nstore-dir = \"nix/store\"\n", 2, 13, "watch.store-dir", "must be an absolute path")]
    [InlineData("batch max below quiet", "[watch]\nbatch-quiet-ms = 500\nbatch-max-ms = 100\n", 3, 16, "watch.batch-max-ms", "must be ≥ 'watch.batch-quiet-ms' (500)")]
    [InlineData("bad listen", "[metrics]\nlisten = \"9464\"\n", 2, 10, "metrics.listen", "must be \"host:port\"")]
    [InlineData("bad endpoint", "[caches.m]\ntype = \"s3\"\nbucket = \"b\"\nendpoint = \"s3.example\"\n", 4, 12, "caches.m.endpoint", "must be an absolute http:// or https:// URL")]
    [InlineData("invalid cache name", "[caches.\"my cache\"]\ntype = \"file\"\npath = \"/p\"\n", 1, 1, "caches.my cache", "invalid cache name 'my cache'")]
    [InlineData("cache names equal but for case", FileCache + "[caches.S]\ntype = \"file\"\npath = \"/q\"\n", 4, 1, "caches.S", "duplicate cache name 'S'")]
    [InlineData("missing key file", FileCache + "signing-key-file = \"{root}/nope.key\"\n", 4, 20, "caches.s.signing-key-file", "/nope.key' does not exist")]
    [InlineData("key file is a directory", FileCache + "signing-key-file = \"{root}\"\n", 4, 20, "caches.s.signing-key-file", "is a directory, not a file")]
    [InlineData("public key as secret key", FileCache + "signing-key-file = \"{root}/public.key\"\n", 4, 20, "caches.s.signing-key-file", "is not a Nix secret key: the secret key 'test-1' is not 64 bytes of base64 (is it a public key?)")]
    [InlineData("missing token file", Attic + "token-file = \"{root}/no-token\"\n", 5, 14, "caches.a.token-file", "/no-token' does not exist")]
    [InlineData("attic server unknown", "[caches.h]\ntype = \"attic\"\nserver = \"nas\"\ncache = \"c\"\n", 3, 10, "caches.h.server", "attic server 'nas' is not in '{root}/home/.config/attic/config.toml' (servers there: home")]
    [InlineData("retry attempts = 0", "[retry]\nattempts = 0\n", 2, 12, "retry.attempts", "must be between 1 and 100, not 0")]
    [InlineData("unknown retry key", "[retry]\nretries = 3\n", 2, 1, "retry.retries", "unknown key")]
    [InlineData("cache retry max below base", FileCache + "[caches.s.retry]\nbase-delay-ms = 5000\nmax-delay-ms = 100\n", 6, 16, "caches.s.retry.max-delay-ms", "must be ≥ 'caches.s.retry.base-delay-ms' (5000)")]
    [InlineData("retry as a value", FileCache + "retry = 3\n", 4, 9, "caches.s.retry", "must be a table, not an integer")]
    [InlineData("keep-days below the minimum", FileCache + "[caches.s.retention]\nkeep-days = 1\n", 5, 13, "caches.s.retention.keep-days", "1 is below the minimum of 2: writers refresh a path they rely on only once it is a day old")]
    [InlineData("grace below the minimum", FileCache + "[caches.s.retention]\nkeep-days = 7\ngrace = \"30m\"\n", 6, 9, "caches.s.retention.grace", "30m is below the minimum of 1h: a writer uploads a NAR before its narinfo")]
    [InlineData("interval below the minimum", FileCache + "[caches.s.retention]\nkeep-days = 7\ninterval = \"10m\"\n", 6, 12, "caches.s.retention.interval", "10m is below the minimum of 1h: each collection lists the whole cache")]
    [InlineData("interval not a duration", FileCache + "[caches.s.retention]\nkeep-days = 7\ninterval = \"daily\"\n", 6, 12, "caches.s.retention.interval", "must be a number and a unit (s, m, h or d), like \"1d\" or \"36h\", not 'daily'")]
    [InlineData("retention without keep-days", FileCache + "[caches.s.retention]\ninterval = \"1d\"\n", 4, 1, "caches.s.retention.keep-days", "missing required key")]
    [InlineData("unknown retention key", FileCache + "[caches.s.retention]\nkeep-days = 7\nkeep-roots = true\n", 6, 1, "caches.s.retention.keep-roots", "unknown key")]
    [InlineData("retention on attic", Attic + "[caches.a.retention]\nkeep-days = 7\n", 5, 1, "caches.a.retention", "does not apply to caches of type attic (only to file and s3 caches)")]
    public void Load_MalformedConfig_ReportsFileLineColumnKeyAndExpectation(string scenario, string toml, int line, int column, string? key, string expected)
    {
        string[] lines = _sandbox.LoadErrors(toml.Replace("{root}", _sandbox.Root, StringComparison.Ordinal));

        string prefix = $"{Path.Combine(_sandbox.Root, "config.toml")}:{line}:{column}: ";
        expected = expected.Replace("{root}", _sandbox.Root, StringComparison.Ordinal);
        Assert.True(
            lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal) && (key is null || l.Contains($"'{key}'", StringComparison.Ordinal))),
            $"{scenario}: no line starts with '{prefix}' and names '{key}' and '{expected}':\n{string.Join("\n", lines)}");
        if (key is not null)
        {
            Assert.Single(lines);
        }
    }

    [Fact]
    public void Load_SeveralProblems_ReportsAllOfThem()
    {
        string[] lines = _sandbox.LoadErrors("""
            bogus = 1
            [watch]
            jobs = "x"
            scan = "sometimes"
            [caches.m]
            type = "s3"
            part-size-mb = 1
            [metrics]
            listen = 9464
            """);

        string file = Path.Combine(_sandbox.Root, "config.toml");
        Assert.Equal(6, lines.Length);
        Assert.Contains($"{file}:1:1: unknown key 'bogus'", lines);
        Assert.Contains($"{file}:3:8: 'watch.jobs' must be an integer, not a string", lines);
        Assert.Contains($"{file}:4:8: 'watch.scan' must be one of none | roots | all, not 'sometimes'", lines);
        Assert.Contains($"{file}:7:16: 'caches.m.part-size-mb' must be between 5 and 5120, not 1", lines);
        Assert.Contains(lines, l => l.StartsWith($"{file}:5:1: missing required key 'caches.m.bucket'", StringComparison.Ordinal));
        Assert.Contains($"{file}:9:10: 'metrics.listen' must be a string, not an integer", lines);
    }

    [Fact]
    public void Load_ExplicitConfigFileMissing_Throws()
    {
        string missing = Path.Combine(_sandbox.Root, "missing.toml");

        var ex = Assert.Throws<ConfigException>(() => _sandbox.Load(missing));

        Assert.Equal($"{missing}: the config file does not exist", ex.Message);
    }

    [Fact]
    public void Load_NixWatcherConfigFileMissing_Throws()
    {
        string missing = Path.Combine(_sandbox.Root, "env.toml");
        _sandbox.Environment["NIX_WATCHER_CONFIG"] = missing;

        var ex = Assert.Throws<ConfigException>(() => _sandbox.Load(null));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public void Load_UnreadableKeyFile_ReportsPermissionDenied()
    {
        // root reads mode-000 files anyway, so the check cannot fail there; the directory case above covers the code path.
        Assert.SkipWhen(Environment.IsPrivilegedProcess, "running as root, which can read a mode-000 file");
        (string path, _) = _sandbox.WriteSecretKey("locked.key");
        File.SetUnixFileMode(path, UnixFileMode.None);

        string[] lines = _sandbox.LoadErrors(FileCache + $"signing-key-file = \"{path}\"\n");

        Assert.Equal($"{Path.Combine(_sandbox.Root, "config.toml")}:4:20: 'caches.s.signing-key-file': '{path}' is not readable (permission denied)", Assert.Single(lines));
    }

    [Fact]
    public void Load_CorruptDefaultSigningKey_FailsEvenWithoutConfigFile()
    {
        _sandbox.Write("home/.config/nix-watcher/signing.key", "garbage\n");

        var ex = Assert.Throws<ConfigException>(() => _sandbox.Load(null));

        Assert.StartsWith("built-in default config: 'caches.local.signing-key-file': ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is not a Nix secret key", ex.Message, StringComparison.Ordinal);
    }
}
