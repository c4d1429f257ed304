using Microsoft.Extensions.Time.Testing;
using Watcher.Cli.Display;
using Watcher.Nix;
using Watcher.Tests.Nix;
using Watcher.Upload;

namespace Watcher.Tests.Cli.Display;

public sealed class LivePushViewTests : IDisposable
{
    private readonly TestTerminal _terminal = new();
    private readonly FakeTimeProvider _time = new();
    private readonly CacheActivity _activity = new();
    private readonly PathInfo _large = TestPaths.Info("large-blob", []) with { NarSize = LivePushView.LargeUpload * 2 };
    private readonly PathInfo _small = TestPaths.Info("small", []) with { NarSize = 100 };

    public void Dispose() => _terminal.Dispose();

    [Fact]
    public async Task RunAsync_LargeUploadInFlight_GetsARowOfItsOwnUnderItsCache()
    {
        var progress = new CacheProgress("local", _activity, [_small, _large]);

        int result = await LivePushView.RunAsync(_terminal.Console, [progress], _time, () =>
        {
            var upload = _activity.UploadStarted(_large);
            upload.Read(LivePushView.LargeUpload);
            progress.Finished(_small, PathOutcome.Present);
            return EndAsync(progress, upload, 42);
        });

        Assert.Equal(42, result);
        string[] lines = _terminal.Text.Split('\n');
        int cacheRow = Array.FindIndex(lines, l => l.Contains("local 1/2 paths", StringComparison.Ordinal));
        Assert.True(cacheRow >= 0, _terminal.Text);
        Assert.Contains(_large.Path.Name, lines[cacheRow + 1], StringComparison.Ordinal);
        Assert.Contains("50%", lines[cacheRow + 1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PushEnds_LastFrameHasEveryPathAndTheFullBarThenIsCleared()
    {
        var progress = new CacheProgress("local", _activity, [_small]);

        await LivePushView.RunAsync(_terminal.Console, [progress], _time, () =>
        {
            progress.Finished(_small, new PathOutcome(PathOutcomeKind.Pushed));
            progress.End();
            return Task.FromResult(0);
        });

        string output = _terminal.Text;
        int last = output.LastIndexOf("local 1/1 paths", StringComparison.Ordinal);
        Assert.True(last >= 0, output);
        Assert.Contains("100%", output[last..], StringComparison.Ordinal);
        Assert.EndsWith("\u001b[?25h", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FailedPaths_CountedInTheCacheRow()
    {
        var progress = new CacheProgress("local", _activity, [_small, _large]);

        await LivePushView.RunAsync(_terminal.Console, [progress], _time, () =>
        {
            progress.Finished(_small, PathOutcome.Failed(new CacheUploadException("no")));
            progress.Finished(_large, PathOutcome.ReferenceFailed(_small.Path));
            progress.End();
            return Task.FromResult(0);
        });

        Assert.Contains("local 2/2 paths 2 failed", _terminal.Text, StringComparison.Ordinal);
    }

    private static async Task<int> EndAsync(CacheProgress progress, NarUpload upload, int result)
    {
        await Task.Yield();
        progress.Activity.UploadEnded(upload);
        progress.End();
        return result;
    }
}
