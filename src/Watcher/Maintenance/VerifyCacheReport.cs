namespace Watcher.Maintenance;

/// <summary>What <c>verify</c> found in one cache (and, with <c>--repair</c>, what it did and what is left).</summary>
internal sealed record VerifyCacheReport
{
    public required string Cache { get; init; }

    public required string Where { get; init; }

    public int Narinfos { get; init; }

    public int Nars { get; init; }

    public ObjectCount Orphans { get; init; } = new(0, 0);

    public bool Deep { get; init; }

    /// <summary>With <c>--deep</c>: NARs in a compression the check cannot read, not checked.</summary>
    public int DeepSkipped { get; init; }

    public IReadOnlyList<ProblemReport> Problems { get; init; } = [];

    /// <summary>With <c>--repair</c>: what was done, else <see langword="null"/>.</summary>
    public IReadOnlyList<RepairAction>? Repair { get; init; }

    /// <summary>With <c>--repair</c>: the problems a second check still found, else <see langword="null"/>.</summary>
    public IReadOnlyList<ProblemReport>? Remaining { get; init; }

    /// <summary>Paths the daemon's journal believed were in this cache but are not whole there; it forgot them.</summary>
    public int JournalForgotten { get; init; }

    /// <summary>Why the cache could not be checked at all, or <see langword="null"/>.</summary>
    public string? Error { get; init; }

    public bool Clean => Error is null && (Remaining ?? Problems).Count == 0;
}
