using Watcher.Core;
using Watcher.Nix;
using Watcher.Push;

namespace Watcher.Cli;

/// <summary>How one cache's part of a <c>push</c> or <c>scan</c> ended: a row of the summary table, an entry of <c>--json</c>.</summary>
/// <param name="Name">The cache.</param>
/// <param name="Paths">The paths of the plan: every one of them ends pushed, present, upstream or failed.</param>
/// <param name="Pushed">Uploaded and published by this push.</param>
/// <param name="Present">The cache had them already.</param>
/// <param name="Upstream">Signed by an upstream key of the cache (<c>skip-signed-by</c>): not pushed.</param>
/// <param name="Filtered">Left out of the plan by <c>exclude</c> and <c>skip-derivations</c> (the same for every cache).</param>
/// <param name="Failed">Not in the cache after this push; <see cref="Failures"/> says why.</param>
/// <param name="NarBytes">The NAR size of the paths pushed.</param>
/// <param name="UploadedBytes">What the cache stored for them (compressed where the cache compresses).</param>
/// <param name="Seconds">From the start of this cache's part to its end.</param>
/// <param name="Failures">Each failed path with its reason and message.</param>
internal sealed record CachePushSummary(
    string Name,
    int Paths,
    int Pushed,
    int Present,
    int Upstream,
    int Filtered,
    int Failed,
    long NarBytes,
    long UploadedBytes,
    double Seconds,
    IReadOnlyList<PathFailure> Failures)
{
    /// <summary>The <see cref="PathFailure.Reason"/> of a path left to do: the cache could not say whether it has it (or a reference).</summary>
    public const string Deferred = "deferred";

    /// <summary>Counts the outcomes of <paramref name="closure"/>.</summary>
    public static CachePushSummary From(string name, IReadOnlyList<PathInfo> closure, IReadOnlyDictionary<StorePath, PathOutcome> outcomes, int filtered, TimeSpan elapsed)
    {
        int pushed = 0, present = 0, upstream = 0;
        long narBytes = 0, uploaded = 0;
        var failures = new List<PathFailure>();
        foreach (var info in closure)
        {
            var outcome = outcomes[info.Path];
            switch (outcome.Kind)
            {
                case PathOutcomeKind.Pushed:
                    pushed++;
                    narBytes += info.NarSize;
                    uploaded += outcome.UploadedBytes;
                    break;
                case PathOutcomeKind.Present:
                    present++;
                    break;
                case PathOutcomeKind.Upstream:
                    upstream++;
                    break;
                case PathOutcomeKind.Failed:
                    failures.Add(new PathFailure(info.Path.FullPath, (outcome.Reason ?? FailureReason.Other).Label(), outcome.Error ?? "failed"));
                    break;
                default:
                    // Deferred: a daemon would try again later; a one-shot push ends here, so it failed.
                    failures.Add(new PathFailure(info.Path.FullPath, Deferred, outcome.Error ?? "the cache could not say whether it has this path or a path it refers to"));
                    break;
            }
        }

        return new CachePushSummary(name, closure.Count, pushed, present, upstream, filtered, failures.Count, narBytes, uploaded, Math.Round(elapsed.TotalSeconds, 3), failures);
    }
}
