using System.Text.RegularExpressions;

namespace Watcher.IntegrationTests.Fixtures;

/// <summary>
/// Runs a command under a pseudo-terminal, as a person at a terminal would (script(1) gives it one for stdin, stdout
/// and stderr), and gives back everything it wrote there, escape sequences included.
/// </summary>
public static partial class PseudoTerminal
{
    /// <summary>Runs <paramref name="command"/> (program and arguments) with <paramref name="environment"/> and <c>TERM=xterm-256color</c>.</summary>
    public static Task<ProcessResult> RunAsync(IEnumerable<string> command, IDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        environment["TERM"] = "xterm-256color";
        string line = string.Join(' ', command.Select(Quote));
        return ProcessRunner.RunAsync("script", ["--quiet", "--return", "--command", line, "/dev/null"], environment, cancellationToken: cancellationToken);
    }

    /// <summary>Runs the nix-watcher next to the tests under a pseudo-terminal.</summary>
    public static Task<ProcessResult> RunWatcherAsync(IEnumerable<string> arguments, IDictionary<string, string?> environment, CancellationToken cancellationToken) =>
        RunAsync(["dotnet", Path.Combine(AppContext.BaseDirectory, "nix-watcher.dll"), .. arguments], environment, cancellationToken);

    /// <summary>What a terminal would show of <paramref name="output"/> character by character: escape sequences and carriage returns removed.</summary>
    public static string Text(string output) => Escape().Replace(output, string.Empty).Replace("\r", string.Empty, StringComparison.Ordinal);

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"\u001b(\[[0-9;?]*[A-Za-z]|[=>])")]
    private static partial Regex Escape();
}
