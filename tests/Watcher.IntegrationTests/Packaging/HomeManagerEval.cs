using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>Runs <c>hm-eval.nix</c> (the module under a stand-in <c>lib</c>/<c>pkgs</c>) and returns its JSON.</summary>
public static class HomeManagerEval
{
    public static async Task<ProcessResult> RunAsync(string userExpression, string home, CancellationToken cancellationToken) =>
        // --read-write-mode: the rendered config is written to the store (builtins.toFile), so it can be read back.
        await ProcessRunner.RunAsync(
            "nix-instantiate",
            ["--read-write-mode", "--eval", "--strict", "--json", RepoFiles.HomeManagerEval, "--arg", "user", userExpression, "--argstr", "home", home],
            cancellationToken: cancellationToken);

    public static async Task<JsonElement> EvaluateAsync(string userExpression, string home, CancellationToken cancellationToken)
    {
        var result = (await RunAsync(userExpression, home, cancellationToken)).EnsureSuccess("hm-eval.nix");
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    /// <summary>A unit entry's value(s) as home-manager would write them (a list is repeated keys).</summary>
    public static IReadOnlyList<string> Values(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => [.. value.EnumerateArray().Select(Scalar)],
        _ => [Scalar(value)],
    };

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };
}
