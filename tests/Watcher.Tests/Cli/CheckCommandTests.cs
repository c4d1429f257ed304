using Watcher.Cli;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Tests.Cli;

/// <summary><c>check --offline</c> in-process: it reads the config and secrets only.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("check-command-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Root => _root.FullName;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task RunAsync_OfflineWithKeyAndTokenFiles_ReportsThemAndExitsZero()
    {
        var (config, publicKey) = WriteKeyTokenAndConfig(OwnerOnly, OwnerOnly);

        var (exit, text) = await CheckOfflineAsync(config);

        Assert.True(exit == ExitCodes.Ok, text);
        Assert.Contains($"signing key {Root}/key: ok, public key {publicKey}", text, StringComparison.Ordinal);
        Assert.Contains($"attic token for home: read from '{Root}/token'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cache local (", text, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", text, StringComparison.Ordinal);
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
    public async Task RunAsync_KeyAndTokenReadableByOthers_WarnsWithTheFixButExitsZero()
    {
        var (config, _) = WriteKeyTokenAndConfig(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead, UnixFileMode.UserRead | UnixFileMode.GroupRead);

        var (exit, text) = await CheckOfflineAsync(config);

        Assert.True(exit == ExitCodes.Ok, text);
        Assert.Contains($"  warning: signing key {Root}/key is readable by every local user (mode 0644); make it private with: chmod 600 '{Root}/key'", text, StringComparison.Ordinal);
        Assert.Contains($"  warning: attic token file of home {Root}/token is readable by its group (mode 0440); make it private with: chmod 600 '{Root}/token'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-value", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ConfigError_ThrowsTheLoadersPositionedMessage()
    {
        string config = Write("[watch]\njob = 1\n");
        using var output = new StringWriter();

        var ex = await Assert.ThrowsAsync<ConfigException>(() => CheckCommand.RunAsync(config, offline: true, verbose: false, output, TestContext.Current.CancellationToken));

        Assert.Contains($"{config}:2:1: unknown key 'watch.job'", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A file cache with a signing key and an attic cache with a token file, each with the given mode.</summary>
    private (string Config, string PublicKey) WriteKeyTokenAndConfig(UnixFileMode keyMode, UnixFileMode tokenMode)
    {
        var (key, keyText) = NixSecretKey.Generate("check-test-1");
        string publicKey = key.PublicKey.ToString();
        key.Dispose();
        File.WriteAllText(Path.Combine(Root, "key"), keyText);
        File.WriteAllText(Path.Combine(Root, "token"), "secret-token-value\n");
        File.SetUnixFileMode(Path.Combine(Root, "key"), keyMode);
        File.SetUnixFileMode(Path.Combine(Root, "token"), tokenMode);
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
        return (config, publicKey);
    }

    private static async Task<(int Exit, string Text)> CheckOfflineAsync(string config)
    {
        using var output = new StringWriter();
        int exit = await CheckCommand.RunAsync(config, offline: true, verbose: false, output, TestContext.Current.CancellationToken);
        return (exit, output.ToString());
    }

    private string Write(string toml)
    {
        string path = Path.Combine(Root, "config.toml");
        File.WriteAllText(path, toml);
        return path;
    }
}
