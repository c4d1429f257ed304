using Watcher.Cli;
using Watcher.Core;
using Watcher.Nix;
using Watcher.Push;
using Watcher.Tests.Nix;

namespace Watcher.Tests.Cli;

public sealed class CachePushSummaryTests
{
    [Fact]
    public void From_Outcomes_CountsEachKindAndTheBytesOfThePushedOnes()
    {
        var closure = TestPaths.Independent(6).Select((p, i) => p with { NarSize = 1000 * (i + 1) }).ToList();
        var outcomes = new Dictionary<StorePath, PathOutcome>
        {
            [closure[0].Path] = new(PathOutcomeKind.Pushed, UploadedBytes: 300),
            [closure[1].Path] = new(PathOutcomeKind.Pushed, UploadedBytes: 700),
            [closure[2].Path] = PathOutcome.Present,
            [closure[3].Path] = PathOutcome.Upstream,
            [closure[4].Path] = PathOutcome.Failed(new CacheUploadException("HTTP 403: no permission", FailureReason.Forbidden, 403)),
            [closure[5].Path] = PathOutcome.Deferred with { Error = "lookup timed out" },
        };

        var summary = CachePushSummary.From("s3", closure, outcomes, filtered: 2, TimeSpan.FromMilliseconds(1234.5678));

        Assert.Equal(("s3", 6, 2, 1, 1, 2, 2), (summary.Name, summary.Paths, summary.Pushed, summary.Present, summary.Upstream, summary.Filtered, summary.Failed));
        Assert.Equal((3000L, 1000L, 1.235), (summary.NarBytes, summary.UploadedBytes, summary.Seconds));
        Assert.Equal(
            [
                new PathFailure(closure[4].Path.FullPath, "forbidden", "HTTP 403: no permission"),
                new PathFailure(closure[5].Path.FullPath, CachePushSummary.Deferred, "lookup timed out"),
            ],
            summary.Failures);
    }
}
