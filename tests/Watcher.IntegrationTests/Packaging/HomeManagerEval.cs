using System.Text;
using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>
/// Runs <c>hm-eval.nix</c>: the flake's home-manager module evaluated by real home-manager (the vendored source
/// beside the checkout, <see cref="RepoFiles.Vendor"/>) with nixpkgs' lib and a stand-in <c>pkgs</c>, and returns its JSON.
/// </summary>
public static class HomeManagerEval
{
    private static readonly Lazy<string> NixpkgsFolder = new(CreateNixpkgsFolder, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<ProcessResult> RunAsync(string userExpression, string home, CancellationToken cancellationToken, bool nixos = false) =>
        RunRawAsync(["--arg", "user", userExpression, "--argstr", "home", home, "--arg", "nixos", nixos ? "true" : "false"], cancellationToken);

    /// <summary>Evaluates a whole home-manager module (<c>{ services.nix-watcher = …; }</c>) instead of the option values.</summary>
    public static Task<ProcessResult> RunModuleAsync(string configuration, string home, bool nixos, CancellationToken cancellationToken) =>
        RunRawAsync(["--arg", "configuration", configuration, "--argstr", "home", home, "--arg", "nixos", nixos ? "true" : "false"], cancellationToken);

    // --read-write-mode: the rendered config (builtins.toFile) and the unit derivations are written to the store, to be read back.
    public static async Task<ProcessResult> RunRawAsync(IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        await ProcessRunner.RunAsync(
            "nix-instantiate",
            ["--read-write-mode", "--eval", "--strict", "--json", RepoFiles.HomeManagerEval,
                "--arg", "vendor", RepoFiles.Vendor, "--arg", "nixpkgs", NixpkgsFolder.Value, .. arguments],
            cancellationToken: cancellationToken);

    public static async Task<JsonElement> EvaluateAsync(string userExpression, string home, CancellationToken cancellationToken, bool nixos = false) =>
        Parse((await RunAsync(userExpression, home, cancellationToken, nixos)).EnsureSuccess("hm-eval.nix"));

    public static JsonElement Parse(ProcessResult result)
    {
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement.Clone();
    }

    /// <summary>A unit entry's value(s) as home-manager would write them (a list is repeated keys).</summary>
    public static IReadOnlyList<string> Values(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => [.. value.EnumerateArray().Select(Scalar)],
        _ => [Scalar(value)],
    };

    /// <summary>
    /// The text of a file home-manager installs, read from the derivation of its <c>writeTextFile</c> (the stand-in
    /// keeps <c>text</c> there): an ATerm string, whose escapes (<c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>) are undone.
    /// </summary>
    public static string TextOf(string drvPath)
    {
        string aterm = File.ReadAllText(drvPath);
        const string Marker = "(\"text\",\"";
        int start = aterm.IndexOf(Marker, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"{drvPath} has no text");
        }

        var text = new StringBuilder();
        for (int i = start + Marker.Length; aterm[i] != '"'; i++)
        {
            char c = aterm[i];
            if (c == '\\')
            {
                c = aterm[++i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', var other => other };
            }

            text.Append(c);
        }

        return text.ToString();
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetRawText(),
    };

    /// <summary>
    /// What home-manager reads below <c>pkgs.path</c>: nixpkgs' <c>lib/</c> and the nixpkgs module files it imports
    /// (links into the vendored tree), and a <c>default.nix</c> giving the stand-in <c>pkgs</c>; made once per test run.
    /// </summary>
    private static string CreateNixpkgsFolder()
    {
        string vendor = RepoFiles.Vendor;
        string folder = Path.Combine(Path.GetTempPath(), $"watcher-hm-nixpkgs-{System.Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        foreach (var (name, target) in new[]
        {
            ("lib", Path.Combine(vendor, "nixpkgs-lib", "lib")),
            ("nixos", Path.Combine(vendor, "nixpkgs-modules", "nixos")),
            ("modules", Path.Combine(vendor, "nixpkgs-modules", "modules")),
        })
        {
            string link = Path.Combine(folder, name);
            if (!Path.Exists(link))
            {
                File.CreateSymbolicLink(link, target);
            }
        }

        // home-manager's nixpkgs module imports pkgs.path again ({ system, config, overlays }): the stand-in.
        string standIn = Path.Combine(RepoFiles.Root, "tests", "Watcher.IntegrationTests", "Packaging", "hm-pkgs.nix");
        File.WriteAllText(
            Path.Combine(folder, "default.nix"),
            $"{{ system ? \"x86_64-linux\", ... }}: import {standIn} {{ lib = import ./lib; path = ./.; inherit system; }}\n");
        return folder;
    }
}
