using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Caches.S3;

/// <summary>
/// A machine whose clock is a day off: Ceph RGW refuses its signatures (RequestTimeTooSkewed, 15 minutes allowed),
/// as AWS does. Watcher takes the server's time from the refusal, signs with it from then on, and says how far off
/// this machine's clock is. The clock is shifted with libfaketime.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class RgwClockTests(NixFixture nix, RgwFixture rgw) : IClassFixture<RgwFixture>
{
    [Theory]
    [InlineData(1, "ahead of")]
    [InlineData(-1, "behind")]
    public async Task Push_ClockADayOff_RequestsAreSignedWithTheServersTimeAndThePushSaysHowFarOff(int days, string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        var outputs = await nix.BuildChainAsync(3, ct);
        using var cache = await rgw.NewCacheAsync(ct);
        File.AppendAllText(cache.ConfigFile, "\n[caches.bucket.retry]\nattempts = 2\nbase-delay-ms = 10\n");
        using var client = rgw.Server.CreateClient();

        var push = await cache.Home.RunAsync(["--config", cache.ConfigFile, "push", outputs[^1]], FakeTime.Shifted(TimeSpan.FromDays(days)), ct);

        string text = push.StandardOutput + push.StandardError;
        Assert.True(push.ExitCode == 0, text);
        Assert.Contains(S3TestCache.Summary(3, 0, 0), push.StandardOutput, StringComparison.Ordinal);
        Assert.Matches($@"this machine's clock is 86[34]\d\d s off the server's \({direction} it\)", text);
        Assert.Equal(3, (await S3TestCache.VerifyNarInfosAsync(client, cache.Bucket, cache.PublicKey, ct)).Count);
    }

    [Fact]
    public async Task Check_ClockADayAhead_IsOkAndSaysHowFarOff()
    {
        var ct = TestContext.Current.CancellationToken;
        using var cache = await rgw.NewCacheAsync(ct);

        var check = await cache.Home.RunAsync(["--config", cache.ConfigFile, "check"], FakeTime.Shifted(TimeSpan.FromDays(1)), ct);

        Assert.True(check.ExitCode == 0, check.StandardOutput + check.StandardError);
        Assert.Matches(@"warning: this machine's clock is 86[34]\d\d s off the server's \(ahead of it\)", check.StandardOutput);
    }
}
