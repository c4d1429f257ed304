namespace Watcher.Maintenance;

/// <summary>One problem, as JSON shows it.</summary>
internal sealed record ProblemReport(string Kind, string? StorePath, string Object, string Detail)
{
    public static ProblemReport From(CacheProblem problem) => new(ProblemKinds.Name(problem.Kind), problem.StorePath, problem.Object, problem.Detail);
}
