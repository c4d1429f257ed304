namespace Watcher.Upload;

/// <summary>What happened to one store path for one cache.</summary>
internal enum PathOutcomeKind
{
    /// <summary>Uploaded and published by this push.</summary>
    Pushed,

    /// <summary>The cache had it already.</summary>
    Present,

    /// <summary>Not published; <see cref="PathOutcome.Error"/> says why.</summary>
    Failed,

    /// <summary>Not started because the push is stopping; still to do.</summary>
    Deferred,
}

/// <summary>Why a path failed, which decides what happens to it next.</summary>
internal enum FailureCause
{
    None,

    /// <summary>Worth retrying later (server down, timeouts, 5xx).</summary>
    Transient,

    /// <summary>Retrying cannot help until something changes (4xx, a rejected or corrupt NAR): a dead letter.</summary>
    Permanent,

    /// <summary>A reference failed, so the path was not published; it goes up once the reference does.</summary>
    Reference,

    /// <summary>The path is no longer in the store (garbage-collected): nothing to push.</summary>
    Vanished,

    /// <summary>The cache could not be set up or queried at all: no path was tried, none used an attempt.</summary>
    CacheUnavailable,
}

/// <summary>The outcome for one (path, cache) pair; failures carry the reason and its cause.</summary>
internal sealed record PathOutcome(PathOutcomeKind Kind, string? Error = null, long UploadedBytes = 0, FailureCause Cause = FailureCause.None)
{
    /// <summary>With <see cref="FailureCause.Reference"/>: the reference that was not published.</summary>
    public string? FailedReference { get; init; }

    public static readonly PathOutcome Present = new(PathOutcomeKind.Present);

    public static readonly PathOutcome Deferred = new(PathOutcomeKind.Deferred);

    public static PathOutcome Failed(Exception exception) => new(PathOutcomeKind.Failed, exception.Message, Cause: Classify(exception));

    private static FailureCause Classify(Exception exception) => exception switch
    {
        PathVanishedException => FailureCause.Vanished,
        NarMismatchException => FailureCause.Permanent,
        CacheUploadException { Kind: CacheFailureKind.Transient } => FailureCause.Transient,
        CacheUploadException { Kind: CacheFailureKind.Unavailable } => FailureCause.CacheUnavailable,
        CacheUploadException => FailureCause.Permanent,
        _ => FailureCause.Transient,
    };
}
