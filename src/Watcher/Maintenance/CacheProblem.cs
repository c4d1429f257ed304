namespace Watcher.Maintenance;

/// <summary>One problem <c>verify</c> found.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="HashPart">The hash part of the narinfo concerned (its key without <c>.narinfo</c>).</param>
/// <param name="StorePath">The narinfo's store path, when it could be read.</param>
/// <param name="Object">The object that is wrong or missing: the narinfo, its NAR, or a reference's narinfo.</param>
/// <param name="Detail">What is wrong, in words.</param>
internal sealed record CacheProblem(ProblemKind Kind, string HashPart, string? StorePath, string Object, string Detail)
{
    public override string ToString() => $"{StorePath ?? HashPart + ".narinfo"}: {ProblemKinds.Name(Kind)}: {Object}: {Detail}";
}
