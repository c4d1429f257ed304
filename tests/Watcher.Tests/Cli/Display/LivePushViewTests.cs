using Microsoft.Extensions.Time.Testing;
using Watcher.Caches;
using Watcher.Cli.Display;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Nix;

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
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The upload stays in flight until the test has seen a frame with it.
        var run = LivePushView.RunAsync(_terminal.Console, [progress], _time, async () =>
        {
            var upload = _activity.UploadStarted(_large);
            upload.Read(LivePushView.LargeUpload);
            progress.Finished(_small, PathOutcome.Present);
            await release.Task;
            _activity.UploadEnded(upload);
            progress.End();
            return 42;
        });
        string frame = await FrameWithAsync(_large.Path.Name);
        release.SetResult();

        Assert.Equal(42, await run);
        string[] lines = frame.Split('\n');
        int cacheRow = Array.FindIndex(lines, l => l.Contains("local 1/2 paths", StringComparison.Ordinal));
        Assert.True(cacheRow >= 0, frame);
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

    /// <summary>The terminal's output once it shows <paramref name="text"/> (the view draws its first frame when the work is under way).</summary>
    private async Task<string> FrameWithAsync(string text)
    {
        string output = string.Empty;
        await Poll.UntilAsync(() => (output = _terminal.Text).Contains(text, StringComparison.Ordinal), "a frame showing " + text);
        return output;
    }
}
