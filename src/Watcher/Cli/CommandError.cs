namespace Watcher.Cli;

/// <summary>What a command that ends without its result prints on stdout under <c>--json</c>.</summary>
/// <param name="Error">The message, as on stderr without the program's name.</param>
/// <param name="ExitCode">The process's exit code.</param>
internal sealed record CommandError(string Error, int ExitCode);
