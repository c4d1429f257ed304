using Watcher.Caches;
using Watcher.Cli.Display;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Cli.Display;

public sealed class CacheProgressTests
{
    private readonly CacheActivity _activity = new();
    private readonly List<PathInfo> _paths = [Sized("a", 100), Sized("b", 1000), Sized("c", 10_000), Sized("d", 5)];

    [Fact]
    public void Finished_PresentAndFailedPaths_LeaveTheBytesToSendAndCountAsDone()
    {
        var sut = new CacheProgress("local", _activity, _paths);
        Assert.False(sut.Known);
        Assert.Equal(11_105, sut.BytesToSend);

        sut.Finished(_paths[0], PathOutcome.Present);
        sut.Finished(_paths[3], PathOutcome.Failed(new CacheUploadException("no")));

        Assert.True(sut.Known);
        Assert.Equal((2, 1, 4), (sut.Done, sut.Failed, sut.Paths));
        Assert.Equal(11_000, sut.BytesToSend);
        Assert.Equal(0, sut.BytesSent);
    }

    [Fact]
    public void BytesSent_PushedPathsAndUploadsInFlight_AddUp()
    {
        var sut = new CacheProgress("local", _activity, _paths);
        sut.Finished(_paths[1], new PathOutcome(PathOutcomeKind.Pushed, UploadedBytes: 400));
        var upload = _activity.UploadStarted(_paths[2]);
        upload.Read(2500);

        Assert.True(sut.Known);
        Assert.Equal(3500, sut.BytesSent);

        _activity.UploadEnded(upload);
        sut.Finished(_paths[2], new PathOutcome(PathOutcomeKind.Pushed));

        Assert.Equal(11_000, sut.BytesSent);
        Assert.False(sut.Ended);
        sut.End();
        Assert.True(sut.Ended);
    }

    [Fact]
    public void Interrupted_TwoCachesPartlyDone_CountsPairsPushedAndThoseNeitherPushedNorThere()
    {
        var first = new CacheProgress("local", _activity, _paths);
        var second = new CacheProgress("s3", new CacheActivity(), _paths);
        first.Finished(_paths[0], new PathOutcome(PathOutcomeKind.Pushed));
        first.Finished(_paths[1], PathOutcome.Present);
        first.Finished(_paths[2], PathOutcome.Failed(new CacheUploadException("no")));
        second.Finished(_paths[0], new PathOutcome(PathOutcomeKind.Pushed));
        second.Finished(_paths[1], new PathOutcome(PathOutcomeKind.Pushed));

        // local: 1 pushed, 1 present, 1 failed, 1 not ended; s3: 2 pushed, 2 not ended.
        Assert.Equal((1, 2), (first.Pushed, second.Pushed));
        Assert.Equal("3 pushed, 4 not pushed", Watcher.Cli.OneShotPush.Interrupted([first, second]));
    }

    private static PathInfo Sized(string name, long narSize) => TestPaths.Info(name, []) with { NarSize = narSize };
}
