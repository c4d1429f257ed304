using Watcher.Caches;
using Watcher.Core;
using Watcher.Nix;

namespace Watcher.Push;

/// <summary>What happened to one store path for one cache.</summary>
internal enum PathOutcomeKind
{
    /// <summary>Uploaded and published by this push.</summary>
    Pushed,

    /// <summary>The cache had it already.</summary>
    Present,

    /// <summary>Signed by an upstream key of this cache: not pushed, and its referrers are.</summary>
    Upstream,

    /// <summary>Not published; <see cref="PathOutcome.Reason"/> says why.</summary>
    Failed,

    /// <summary>Still to do: the push is stopping, the cache could not say whether it has the path, or a reference is still to do.</summary>
    Deferred,

    /// <summary>A reference outside the push (relied on, not pushed) that the cache lacks: it must be pushed before its referrers.</summary>
    Missing,
}

/// <summary>The outcome for one (path, cache) pair; failures carry their reason, message and how often the request was sent.</summary>
internal sealed record PathOutcome(PathOutcomeKind Kind, string? Error = null, long UploadedBytes = 0)
{
    public static readonly PathOutcome Present = new(PathOutcomeKind.Present);

    public static readonly PathOutcome Upstream = new(PathOutcomeKind.Upstream);

    public static readonly PathOutcome Deferred = new(PathOutcomeKind.Deferred);

    public static readonly PathOutcome Missing = new(PathOutcomeKind.Missing);

    /// <summary>With <see cref="PathOutcomeKind.Failed"/>: why.</summary>
    public FailureReason? Reason { get; init; }

    /// <summary>With <see cref="FailureReason.Reference"/>: the reference that was not published.</summary>
    public StorePath? FailedReference { get; init; }

    /// <summary>With <see cref="PathOutcomeKind.Failed"/>: how many times the failing request was sent.</summary>
    public int Attempts { get; init; } = 1;

    public static PathOutcome Failed(Exception exception) =>
        new(PathOutcomeKind.Failed, exception.Message) { Reason = Failures.Classify(exception), Attempts = Failures.Attempts(exception) };

    public static PathOutcome ReferenceFailed(StorePath reference) =>
        new(PathOutcomeKind.Failed, $"not published because its reference {reference} failed") { Reason = FailureReason.Reference, FailedReference = reference };
}
