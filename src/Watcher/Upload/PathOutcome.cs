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
}

/// <summary>The outcome for one (path, cache) pair; failures carry the reason.</summary>
internal sealed record PathOutcome(PathOutcomeKind Kind, string? Error = null, long UploadedBytes = 0)
{
    public static readonly PathOutcome Present = new(PathOutcomeKind.Present);
}
