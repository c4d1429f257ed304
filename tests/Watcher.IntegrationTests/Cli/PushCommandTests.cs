using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Cli;

[Collection(NixCollection.Name)]
public sealed partial class PushCommandTests(NixFixture nix)
{
    [Fact]
    public async Task Push_DefaultConfig_RealNixSubstitutesEveryPathWithSignaturesRequired()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(30, ct);

        var push = await home.RunAsync(["push", outputs[^1]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Contains("local: 30 pushed, 0 already present, 0 failed", push.StandardOutput, StringComparison.Ordinal);
        string publicKey = TrustedKeyLine().Match(push.StandardError).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(publicKey), "the new public key was not printed:\n" + push.StandardError);
        Assert.True(File.Exists(Path.Combine(home.CacheDir, "nix-cache-info")));
        Assert.Equal(30, Directory.GetFiles(home.CacheDir, "*.narinfo").Length);
        Assert.Equal(30, Directory.GetFiles(Path.Combine(home.CacheDir, "nar"), "*.nar.zst").Length);

        string store = Path.Combine(home.Root, "fresh-store");
        var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, publicKey, store, [outputs[^1]], ct);

        Assert.True(copy.ExitCode == 0, copy.StandardError);
        foreach (string output in outputs)
        {
            Assert.Equal(await NixVerifier.NarHashAsync(output, null, ct), await NixVerifier.NarHashAsync(output, store, ct));
        }
    }

    [Fact]
    public async Task Push_ExcludedPath_KeepsItAndEveryPathReferringToItOutAndSaysWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(5, ct);
        Directory.CreateDirectory(home.ConfigDir);
        File.WriteAllText(Path.Combine(home.ConfigDir, "config.toml"), "[watch]\nexclude = [\"-2$\"]\n");

        // Path i refers to i-1 and i/2: 3 and 4 refer to the excluded 2; 0 and 1 do not.
        var push = await home.RunAsync(["push", outputs[4], outputs[1]], ct);

        Assert.True(push.ExitCode == 0, push.StandardError + push.StandardOutput);
        Assert.Contains("local: 2 pushed, 0 already present, 0 failed", push.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{outputs[4]} is not pushed: it refers to {outputs[2]}, which matches exclude or skip-derivations", push.StandardError, StringComparison.Ordinal);
        var narInfos = Directory.GetFiles(home.CacheDir, "*.narinfo").Select(f => Path.GetFileName(f)[..32]).Order(StringComparer.Ordinal);
        Assert.Equal(outputs.Take(2).Select(o => Path.GetFileName(o)[..32]).Order(StringComparer.Ordinal), narInfos);
    }

    [Fact]
    public async Task Push_WrongPublicKey_RealNixRefusesTheCache()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(3, ct);
        (await home.RunAsync(["push", outputs[^1]], ct)).EnsureSuccess("push");
        var (otherKey, _) = Watcher.Nix.NixSecretKey.Generate("other-key-1");
        using (otherKey)
        {
            string store = Path.Combine(home.Root, "fresh-store");
            var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, otherKey.PublicKey.ToString(), store, [outputs[^1]], ct);

            Assert.NotEqual(0, copy.ExitCode);
            Assert.False(Directory.Exists(Path.Combine(store, "nix", "store", Path.GetFileName(outputs[^1]))));
        }
    }

    [Fact]
    public async Task Push_SecondTime_SkipsEveryPathAlreadyInTheCache()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(5, ct);
        (await home.RunAsync(["push", outputs[2]], ct)).EnsureSuccess("first push");

        var second = await home.RunAsync(["push", outputs[^1]], ct);

        Assert.Equal(0, second.ExitCode);
        Assert.Contains("local: 2 pushed, 3 already present, 0 failed", second.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("trusted-public-keys", second.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_ResultSymlink_ResolvesToTheStorePath()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var outputs = await nix.BuildChainAsync(1, ct);
        string link = Path.Combine(home.Root, "result");
        File.CreateSymbolicLink(link, outputs[0]);

        var push = await home.RunAsync(["push", link], ct);

        Assert.True(push.ExitCode == 0, push.StandardError);
        Assert.True(File.Exists(Path.Combine(home.CacheDir, Path.GetFileName(outputs[0])[..32] + ".narinfo")));
    }

    [Theory]
    [InlineData("/tmp", 2)]
    [InlineData("/nix/store/00000000000000000000000000000000-not-there", 1)]
    public async Task Push_NotAValidStorePath_FailsWithoutCreatingAnything(string argument, int exitCode)
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();

        var push = await home.RunAsync(["push", argument], ct);

        Assert.Equal(exitCode, push.ExitCode);
        Assert.Contains(argument, push.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(home.CacheDir, "nix-cache-info")) && Directory.GetFiles(home.CacheDir, "*.narinfo").Length > 0);
    }

    [GeneratedRegex(@"trusted-public-keys = (\S+)")]
    private static partial Regex TrustedKeyLine();
}
