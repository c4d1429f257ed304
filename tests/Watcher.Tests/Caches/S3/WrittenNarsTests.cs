using Watcher.Caches.S3;

namespace Watcher.Tests.Caches.S3;

/// <summary>Which NARs a cache deletes after losing a narinfo race, and that no path of it looks at one being deleted.</summary>
public sealed class WrittenNarsTests
{
    private const string Url = "nar/0000000000000000000000000000000000000000000000000000.nar.zst";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lost_CreatedAndNoOtherPathWaits_IsDeleted()
    {
        var nars = await UploadedAsync(true);

        Assert.True(nars.Lost(Url));
    }

    [Fact]
    public async Task Lost_FoundInPlace_IsNotDeleted()
    {
        var nars = await UploadedAsync(false);

        Assert.False(nars.Lost(Url));
    }

    [Fact]
    public async Task Lost_AnotherPathNamedItMeanwhile_IsNotDeleted()
    {
        var nars = await UploadedAsync(true, false);

        nars.Named(Url);

        Assert.False(nars.Lost(Url));
    }

    [Fact]
    public async Task Lost_AnotherPathStillWaits_OnlyTheLastLossDeletes()
    {
        var nars = await UploadedAsync(true, false);

        Assert.False(nars.Lost(Url));
        Assert.True(nars.Lost(Url));
    }

    [Fact]
    public async Task Upload_WhileTheNarIsBeingDeleted_LooksOnlyOnceTheDeletionIsOver()
    {
        var nars = await UploadedAsync(true);
        Assert.True(nars.Lost(Url));

        bool looked = false;
        var upload = nars.UploadAsync(Url, () => { looked = true; return Task.FromResult(true); }, Ct);

        // The deletion has not said it is over: nothing completes the upload's wait but Deleted.
        Assert.False(upload.IsCompleted);
        Assert.False(looked);
        nars.Deleted(Url);
        await upload;

        Assert.True(looked);
        Assert.True(nars.Lost(Url));
    }

    [Fact]
    public async Task Upload_Fails_ThePathNoLongerWaitsAndALaterRoundDoesNotDeleteIt()
    {
        var nars = await UploadedAsync(true);
        nars.Failed(Url);
        await Assert.ThrowsAsync<IOException>(() => nars.UploadAsync(Url, () => throw new IOException("reset"), Ct));

        await nars.UploadAsync(Url, () => Task.FromResult(false), Ct);

        Assert.False(nars.Lost(Url));
    }

    /// <summary>A cache's record after one path per entry of <paramref name="created"/> uploaded the NAR (created it, or found it).</summary>
    private static async Task<WrittenNars> UploadedAsync(params bool[] created)
    {
        var nars = new WrittenNars();
        foreach (bool c in created)
        {
            await nars.UploadAsync(Url, () => Task.FromResult(c), Ct);
        }

        return nars;
    }
}
