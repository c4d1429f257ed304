namespace Watcher.Maintenance;

/// <summary>The names problems have in <c>--json</c> output and the words they have in plain output.</summary>
internal static class ProblemKinds
{
    public static string Name(ProblemKind kind) => kind switch
    {
        ProblemKind.Unparseable => "unparseable",
        ProblemKind.WrongPath => "wrong-path",
        ProblemKind.BadSignature => "bad-signature",
        ProblemKind.NarMissing => "nar-missing",
        ProblemKind.NarSize => "nar-size",
        ProblemKind.ReferenceMissing => "reference-missing",
        ProblemKind.FileHash => "file-hash",
        ProblemKind.NarHash => "nar-hash",
        ProblemKind.NarCorrupt => "nar-corrupt",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Whether the NAR object itself is damaged (and must be deleted before the path is pushed again).</summary>
    public static bool DamagesNar(ProblemKind kind) => kind is ProblemKind.NarSize or ProblemKind.FileHash or ProblemKind.NarHash or ProblemKind.NarCorrupt;
}
