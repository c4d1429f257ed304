namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// How the tests start <c>nix-watcher</c>: the native (AOT) executable named by <c>NIX_WATCHER_EXE</c>, which
/// eng/test.sh publishes and sets, or else the JIT build next to the tests through <c>dotnet</c>.
/// </summary>
public static class WatcherExecutable
{
    public const string Variable = "NIX_WATCHER_EXE";

    /// <summary>The program and the arguments that come before nix-watcher's own.</summary>
    public static IReadOnlyList<string> CommandLine { get; } = Resolve();

    /// <summary>Runs nix-watcher with <paramref name="arguments"/> to completion.</summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> arguments, IDictionary<string, string?> environment, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(CommandLine[0], [.. CommandLine.Skip(1), .. arguments], environment, cancellationToken: cancellationToken);

    private static string[] Resolve()
    {
        string? native = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(native))
        {
            return ["dotnet", Path.Combine(AppContext.BaseDirectory, "nix-watcher.dll")];
        }

        // A set but wrong path must fail loudly: falling back would test the JIT build while claiming the native one.
        string full = Path.GetFullPath(native);
        return File.Exists(full)
            ? [full]
            : throw new InvalidOperationException($"{Variable}={native}: no such file");
    }
}
