using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>
/// <c>checks.&lt;system&gt;.home-manager-module</c> of flake.nix: it instantiates with the vendored home-manager (every
/// case of nix/home-manager-cases.nix passes home-manager's assertions), and its build script accepts the unit files
/// home-manager installs and refuses one that lost a line of systemd/nix-watcher.service.
/// </summary>
public sealed class FlakeCheckTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("flake-check-");

    public void Dispose() => _root.Delete(recursive: true);

    private async Task<(string Script, List<string> Units)> PrepareAsync(CancellationToken ct)
    {
        var check = HomeManagerEval.Parse((await HomeManagerEval.RunRawAsync(["--arg", "flakeCheck", "true"], ct)).EnsureSuccess("hm-eval.nix --arg flakeCheck true"));
        var cases = HomeManagerEval.Parse((await HomeManagerEval.RunRawAsync(["--arg", "cases", "true"], ct)).EnsureSuccess("hm-eval.nix --arg cases true"));
        Assert.True(File.Exists(check.GetProperty("drvPath").GetString()), "the check was not instantiated");
        Assert.Equal(cases.EnumerateObject().Count(), check.GetProperty("units").GetArrayLength());

        List<string> units = [];
        foreach (JsonProperty c in cases.EnumerateObject())
        {
            string file = Path.Combine(_root.FullName, $"{c.Name}.service");
            await File.WriteAllTextAsync(file, HomeManagerEval.TextOf(c.Value.GetProperty("unitDrvs").GetProperty("nix-watcher").GetString()!), ct);
            units.Add(file);
        }

        return (check.GetProperty("buildCommand").GetString()!, units);
    }

    private Task<ProcessResult> RunScriptAsync(string script, IEnumerable<string> units, CancellationToken ct) =>
        ProcessRunner.RunAsync(
            "bash",
            ["-euo", "pipefail", "-c", script],
            new Dictionary<string, string?>
            {
                ["plain"] = RepoFiles.UnitFile,
                ["units"] = string.Join(' ', units),
                ["results"] = "{}",
                ["out"] = Path.Combine(_root.FullName, "out"),
            },
            cancellationToken: ct);

    [Fact]
    public async Task Check_AcceptsTheUnitsHomeManagerInstalls()
    {
        var ct = TestContext.Current.CancellationToken;
        var (script, units) = await PrepareAsync(ct);

        var run = await RunScriptAsync(script, units, ct);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal("{}\n", await File.ReadAllTextAsync(Path.Combine(_root.FullName, "out"), ct));
    }

    [Fact]
    public async Task Check_RefusesAUnitThatLostALineOfThePlainUnit()
    {
        var ct = TestContext.Current.CancellationToken;
        var (script, units) = await PrepareAsync(ct);
        string text = await File.ReadAllTextAsync(units[0], ct);
        await File.WriteAllTextAsync(units[0], text.Replace("ProtectHome=read-only\n", "", StringComparison.Ordinal), ct);

        var run = await RunScriptAsync(script, units, ct);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("lacks the line ProtectHome=read-only", run.StandardError, StringComparison.Ordinal);
    }
}
