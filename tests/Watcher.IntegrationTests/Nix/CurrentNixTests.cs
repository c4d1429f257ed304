using System.Text.RegularExpressions;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Nar;
using Watcher.Nix;

namespace Watcher.IntegrationTests.Nix;

/// <summary>
/// Watcher against the Nix the sid root brings (2.34 or later): its daemon speaks protocol 1.38, and what Watcher
/// writes is what that Nix substitutes byte for byte. Only in the run <c>eng/with-sid-nix.sh</c> wraps (eng/test.sh
/// runs this class there, and the other tests against Debian 12's Nix 2.8 outside it).
/// </summary>
[Collection(NixCollection.Name)]
[Trait(Tier, SidNix)]
public sealed partial class CurrentNixTests(NixFixture nix)
{
    public const string Tier = "Nix";
    public const string SidNix = "sid";

    [Fact]
    public async Task Check_Verbose_NamesNix234OrLaterAndProtocol138()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();

        var check = await WatcherExecutable.RunAsync(["--config", home.ConfigFile, "check", "--verbose"], home.Environment, ct);

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        var match = DaemonLine().Match(check.StandardOutput);
        Assert.True(match.Success, check.StandardOutput);
        var version = Version.Parse(match.Groups["version"].Value);
        Assert.True(version >= new Version(2, 34), $"the daemon is Nix {version}, not the sid root's (2.34 or later); these tests run under eng/with-sid-nix.sh: {match.Value}");
        Assert.Equal("1.38", match.Groups["protocol"].Value);
    }

    [Fact]
    public async Task Push_UncompressedFileCache_NarsAreNixStoreDumpByteForByte_AndNixSubstitutesThemWithSignaturesRequired()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new DaemonHome();
        File.WriteAllText(home.ConfigFile, File.ReadAllText(home.ConfigFile).Replace("signing-key-file", "compression = \"none\"\nsigning-key-file", StringComparison.Ordinal));
        var outputs = await nix.BuildChainAsync(6, ct);

        var push = await WatcherExecutable.RunAsync(["--config", home.ConfigFile, "push", outputs[^1]], home.Environment, ct);

        Assert.True(push.ExitCode == 0, push.StandardOutput + push.StandardError);
        foreach (string path in outputs)
        {
            var narInfo = NarInfo.Parse(await File.ReadAllTextAsync(Path.Combine(home.CacheDir, Path.GetFileName(path)[..32] + ".narinfo"), ct));
            byte[] written = await File.ReadAllBytesAsync(Path.Combine(home.CacheDir, narInfo.Url), ct);
            byte[] dumped = await NixStoreDump.RunAsync(path, async (stream, token) =>
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, token);
                return buffer.ToArray();
            }, ct);
            Assert.True(written.AsSpan().SequenceEqual(dumped), $"{narInfo.Url} of {path} ({written.Length} bytes) differs from nix-store --dump ({dumped.Length} bytes)");
        }

        string store = Path.Combine(home.Root, "fresh");
        var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, home.PublicKey, store, [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        foreach (string path in outputs)
        {
            Assert.Equal(await NixVerifier.NarHashAsync(path, null, ct), await NixVerifier.NarHashAsync(path, store, ct));
        }
    }

    [Fact]
    public async Task Run_PathsBuiltThroughTheDaemon_AppearInTheBucketAndNixSubstitutesThemOverHttp()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var rgw = await SidS3Server.StartRgwAsync(ct);
        using var cache = new Caches.S3.S3TestCache(rgw.Endpoint, await rgw.NewBucketAsync(ct), rgw.SecretKey, rgw.AccessKey);
        await using var daemon = cache.StartDaemon(metrics: false);
        await daemon.WaitForLogAsync("watching ", ct);

        var outputs = await nix.BuildChainAsync(5, ct);

        await daemon.WaitForLogAsync($"pushed {outputs[^1]} to bucket", ct);
        Assert.Equal(0, await daemon.StopAsync(ct));
        using var client = rgw.CreateClient();
        Assert.Equal(outputs.Count, (await Caches.S3.S3TestCache.VerifyNarInfosAsync(client, cache.Bucket, cache.PublicKey, ct)).Count);
        string store = Path.Combine(cache.Home.Root, "fresh");
        var copy = await NixVerifier.SubstituteAsync(cache.HttpUrl(rgw.Endpoint), cache.PublicKey.ToString(), store, [outputs[^1]], ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
        Assert.Equal(await NixVerifier.NarHashAsync(outputs[0], null, ct), await NixVerifier.NarHashAsync(outputs[0], store, ct));
    }

    [GeneratedRegex(@"nix-daemon /nix/var/nix/daemon-socket/socket: ok, Nix (?<version>\d+\.\d+)[^,]*, protocol (?<protocol>1\.\d+)")]
    private static partial Regex DaemonLine();
}
