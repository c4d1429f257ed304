using System.Text;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Maintenance;

/// <summary>Builds throwaway derivations with the given references between them (fresh paths on every call).</summary>
internal static class StoreGraph
{
    /// <param name="graph">Each name and the names it refers to.</param>
    /// <param name="cancellationToken">Cancels the build.</param>
    /// <returns>The output path of each name.</returns>
    public static async Task<Dictionary<string, string>> BuildAsync(IReadOnlyList<(string Name, string[] References)> graph, CancellationToken cancellationToken)
    {
        string nonce = Guid.NewGuid().ToString("N")[..12];
        var sb = new StringBuilder();
        sb.AppendLine("let mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" script ]; PATH = \"/usr/bin:/bin\"; };");
        sb.AppendLine("in rec {");
        foreach (var (name, references) in graph)
        {
            string refs = string.Concat(references.Select(r => $"echo ${{{Attr(r)}}} >> $out/refs; "));
            sb.AppendLine($"  {Attr(name)} = mk \"mt-{nonce}-{name}\" \"mkdir -p $out; {refs}echo {nonce}-{name} > $out/data\";");
        }

        sb.AppendLine("}");
        string expression = $"let set = {sb}; in [ {string.Join(' ', graph.Select(g => "set." + Attr(g.Name)))} ]";
        var outputs = await NixFixture.BuildExpressionAsync(expression, cancellationToken);
        return graph.Select((g, i) => (g.Name, Path: outputs[i])).ToDictionary(x => x.Name, x => x.Path, StringComparer.Ordinal);
    }

    /// <summary>Builds a new path (fresh on every call) that refers to each of the valid store paths <paramref name="existing"/>.</summary>
    public static async Task<string> BuildReferringAsync(IEnumerable<string> existing, CancellationToken cancellationToken)
    {
        string nonce = Guid.NewGuid().ToString("N")[..12];
        string refs = string.Concat(existing.Select(p => $"echo ${{builtins.storePath \"{p}\"}} >> $out/refs; "));
        string expression = $"derivation {{ name = \"relies-{nonce}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; "
            + $"args = [ \"-c\" \"mkdir -p $out; {refs}echo {nonce} > $out/data\" ]; PATH = \"/usr/bin:/bin\"; }}";
        return (await NixFixture.BuildExpressionAsync(expression, cancellationToken)).Single();
    }

    /// <summary>Deletes paths from the local store (referrers first), as if they had been garbage-collected.</summary>
    public static async Task DeleteAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("nix-store", ["--delete", .. paths], cancellationToken: cancellationToken);
        result.EnsureSuccess("nix-store --delete");
    }

    /// <summary>Sets the last-modified time of every file below <paramref name="directory"/> to <paramref name="age"/> ago.</summary>
    public static void Age(string directory, TimeSpan age, Func<string, bool>? which = null)
    {
        var time = (TimeProvider.System.GetUtcNow() - age).UtcDateTime;
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Where(which ?? (_ => true)))
        {
            File.SetLastWriteTimeUtc(file, time);
        }
    }

    private static string Attr(string name) => "p_" + name.Replace('-', '_');
}
