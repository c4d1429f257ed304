using Watcher.IntegrationTests.Fixtures;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Packaging;

/// <summary><c>nix-watcher netrc</c>: netrc entries for attic servers and the nix.conf lines, offline.</summary>
public sealed class NetrcCommandTests
{
    private const string FileToken = "eyJhbGciOiJIUzI1NiJ9.from-token-file.sig";
    private const string InlineToken = "eyJhbGciOiJIUzI1NiJ9.inline-in-attic-config.sig";

    [Fact]
    public async Task Netrc_PrintsEntriesForAtticServers_AndTheNixConfLines()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        string config = await WriteConfigAsync(home, ct);

        var result = (await home.RunAsync(["--config", config, "netrc"], ct)).EnsureSuccess("netrc");
        string[] lines = result.StandardOutput.Split('\n');

        Assert.Contains($"machine attic.example.com password {FileToken}", lines);
        Assert.Contains($"machine attic2.example.com password {InlineToken}", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("machine s3.", StringComparison.Ordinal));
        string substituters = Assert.Single(lines, l => l.StartsWith("extra-substituters = ", StringComparison.Ordinal));
        Assert.Equal(
            [$"file://{home.Root}/cache", "s3://nix-cache?region=eu-1&endpoint=s3.homelab.local:9000&scheme=https&profile=nixbuilder", "https://attic.example.com/private", "https://attic2.example.com/attic/pub"],
            substituters["extra-substituters = ".Length..].Split(' '));
        string keys = Assert.Single(lines, l => l.StartsWith("extra-trusted-public-keys = ", StringComparison.Ordinal));
        Assert.Equal("extra-trusted-public-keys = " + await NixPublicKeyOfAsync(Path.Combine(home.Root, "signing.key"), ct), keys);
        Assert.Contains("# attic cache 'home': add its public key, shown by 'attic cache info home:private'", lines);
    }

    [Fact]
    public async Task Netrc_Output_WritesOnlyTheEntries_OwnerOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        string config = await WriteConfigAsync(home, ct);
        string netrc = Path.Combine(home.Root, "nix", "netrc");
        Directory.CreateDirectory(Path.GetDirectoryName(netrc)!);
        await File.WriteAllTextAsync(netrc, "stale\n", ct);

        var result = (await home.RunAsync(["--config", config, "netrc", "--output", netrc], ct)).EnsureSuccess("netrc --output");

        Assert.Equal(
            $"machine attic.example.com password {FileToken}\nmachine attic2.example.com password {InlineToken}\n",
            await File.ReadAllTextAsync(netrc, ct));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(netrc));
        Assert.StartsWith($"netrc-file = {netrc}\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(FileToken, result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(InlineToken, result.StandardOutput, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(netrc)!));
    }

    [Fact]
    public async Task Netrc_BadConfig_ExitsWith78()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        string config = Path.Combine(home.Root, "config.toml");
        await File.WriteAllTextAsync(config, "[caches.a]\ntype = \"attic\"\nendpoint = \"https://a.example.com/\"\ncache = \"c\"\ntoken-file = \"/nonexistent/token\"\n", ct);

        var result = await home.RunAsync(["--config", config, "netrc"], ct);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains("token-file", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(result.StandardOutput);
    }

    private static async Task<string> WriteConfigAsync(WatcherHome home, CancellationToken cancellationToken)
    {
        var (key, text) = NixSecretKey.Generate("netrc-test-1");
        key.Dispose();
        string keyFile = Path.Combine(home.Root, "signing.key");
        await File.WriteAllTextAsync(keyFile, text, cancellationToken);
        string tokenFile = Path.Combine(home.Root, "attic-token");
        await File.WriteAllTextAsync(tokenFile, FileToken + "\n", cancellationToken);
        string atticDir = Path.Combine(home.Root, ".config", "attic");
        Directory.CreateDirectory(atticDir);
        await File.WriteAllTextAsync(
            Path.Combine(atticDir, "config.toml"),
            $"[servers.home]\nendpoint = \"https://attic.example.com/\"\ntoken-file = \"{tokenFile}\"\n\n[servers.other]\nendpoint = \"https://attic2.example.com/attic\"\ntoken = \"{InlineToken}\"\n",
            cancellationToken);

        string config = Path.Combine(home.Root, "config.toml");
        await File.WriteAllTextAsync(config, $"""
            [caches.local]
            type = "file"
            path = "{home.Root}/cache"
            signing-key-file = "{keyFile}"

            [caches.minio]
            type = "s3"
            bucket = "nix-cache"
            endpoint = "https://s3.homelab.local:9000"
            region = "eu-1"
            profile = "nixbuilder"
            signing-key-file = "{keyFile}"

            [caches.home]
            type = "attic"
            server = "home"
            cache = "private"

            [caches.other]
            type = "attic"
            server = "other"
            cache = "pub"
            """, cancellationToken);
        return config;
    }

    /// <summary>The public key as Nix itself derives it, for an independent check.</summary>
    private static async Task<string> NixPublicKeyOfAsync(string secretKeyFile, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(
            "nix",
            ["key", "convert-secret-to-public"],
            new Dictionary<string, string?> { ["NIX_CONFIG"] = "experimental-features = nix-command" },
            standardInput: await File.ReadAllTextAsync(secretKeyFile, cancellationToken),
            cancellationToken: cancellationToken);
        return result.EnsureSuccess("nix key convert-secret-to-public").StandardOutput.Trim();
    }
}
