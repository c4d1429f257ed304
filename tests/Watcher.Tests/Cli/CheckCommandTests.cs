using Watcher.Cli;
using Watcher.Nix;

namespace Watcher.Tests.Cli;

/// <summary><c>check --offline</c> in-process: it reads the config and secrets only.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("check-command-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Root => _root.FullName;

    [Fact]
    public async Task RunAsync_OfflineWithKeyAndTokenFiles_ReportsThemAndExitsZero()
    {
        var (key, keyText) = NixSecretKey.Generate("check-test-1");
        string publicKey = key.PublicKey.ToString();
        key.Dispose();
        File.WriteAllText(Path.Combine(Root, "key"), keyText);
        File.WriteAllText(Path.Combine(Root, "token"), "secret-token-value\n");
        string config = Write($$"""
            [caches.local]
            type = "file"
            path = "{{Root}}/cache"
            signing-key-file = "{{Root}}/key"

            [caches.home]
            type = "attic"
            endpoint = "http://127.0.0.1:1/"
            cache = "private"
            token-file = "{{Root}}/token"
            """);
        using var output = new StringWriter();

        int exit = await CheckCommand.RunAsync(config, offline: true, verbose: false, output, TestContext.Current.CancellationToken);

        string text = output.ToString();
        Assert.True(exit == ExitCodes.Ok, text);
        Assert.Contains($"signing key {Root}/key: ok, public key {publicKey}", text, StringComparison.Ordinal);
        Assert.Contains($"attic token for home: read from '{Root}/token'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cache local (", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Root, "cache")));
    }

    [Theory]
    [InlineData(true, "zstd", true)]
    [InlineData(false, "zstd", false)]
    [InlineData(true, "none", false)]
    public async Task RunAsync_Verbose_NamesTheZstdEncoderOfZstdCaches(bool verbose, string compression, bool expected)
    {
        var (key, keyText) = NixSecretKey.Generate("check-test-1");
        key.Dispose();
        File.WriteAllText(Path.Combine(Root, "key"), keyText);
        string config = Write($$"""
            [caches.local]
            type = "file"
            path = "{{Root}}/cache"
            signing-key-file = "{{Root}}/key"
            compression = "{{compression}}"
            """);
        using var output = new StringWriter();

        int exit = await CheckCommand.RunAsync(config, offline: true, verbose, output, TestContext.Current.CancellationToken);

        string text = output.ToString();
        Assert.True(exit == ExitCodes.Ok, text);
        Assert.Equal(expected, text.Contains("zstd encoder: libzstd 1.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ConfigError_ThrowsTheLoadersPositionedMessage()
    {
        string config = Write("[watch]\njob = 1\n");
        using var output = new StringWriter();

        var ex = await Assert.ThrowsAsync<ConfigException>(() => CheckCommand.RunAsync(config, offline: true, verbose: false, output, TestContext.Current.CancellationToken));

        Assert.Contains($"{config}:2:1: unknown key 'watch.job'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(5L << 20, "5.0 MiB")]
    [InlineData(3L << 30, "3.0 GiB")]
    public void FormatSize_PicksTheUnit(long bytes, string expected)
    {
        Assert.Equal(expected, CheckScanReport.FormatSize(bytes));
    }

    private string Write(string toml)
    {
        string path = Path.Combine(Root, "config.toml");
        File.WriteAllText(path, toml);
        return path;
    }
}
