using System.Text.Json;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>
/// The ways docs/operations.md "Install" shows are the ones evaluated: its home-manager module file, read from the
/// page, through real home-manager standalone and under the NixOS module; its overlay line; the flake's outputs.
/// </summary>
public sealed class InstallDocsTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("install-docs-");

    public void Dispose() => _root.Delete(recursive: true);

    private static string Operations => File.ReadAllText(Path.Combine(RepoFiles.Root, "docs", "operations.md"));

    /// <summary>The body of the first fenced block whose first line is <paramref name="firstLine"/>.</summary>
    private static string Block(string firstLine)
    {
        string text = Operations;
        int start = text.IndexOf("```nix\n" + firstLine + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/operations.md has no nix block starting with {firstLine}");
        start += "```nix\n".Length;
        return text[start..text.IndexOf("\n```", start, StringComparison.Ordinal)] + "\n";
    }

    private async Task<JsonElement> EvaluateModuleFileAsync(bool nixos)
    {
        string file = Path.Combine(_root.FullName, "nix-watcher.nix");
        await File.WriteAllTextAsync(file, Block("# nix-watcher.nix"), TestContext.Current.CancellationToken);
        var run = await HomeManagerEval.RunRawAsync(["--arg", "snippet", file, "--arg", "nixos", nixos ? "true" : "false"], TestContext.Current.CancellationToken);
        return HomeManagerEval.Parse(run.EnsureSuccess("hm-eval.nix --arg snippet"));
    }

    [Fact]
    public async Task ModuleFile_Standalone_InstallsTheUnit_AndWarnsWithTheNixConfLines()
    {
        JsonElement result = await EvaluateModuleFileAsync(nixos: false);

        Assert.True(File.Exists(result.GetProperty("drvPath").GetString()));
        Assert.Equal(JsonValueKind.Null, result.GetProperty("nixConf").ValueKind);
        string warning = Assert.Single(HomeManagerEval.Values(result.GetProperty("warnings")));
        Assert.Contains("\nextra-substituters = https://attic.example.com/private\nextra-trusted-public-keys = home-private:AAAA=\n", warning, StringComparison.Ordinal);
        Assert.Contains("[caches.home]", result.GetProperty("toml").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModuleFile_UnderNixOS_WritesNixConf()
    {
        JsonElement result = await EvaluateModuleFileAsync(nixos: true);

        Assert.Empty(result.GetProperty("warnings").EnumerateArray());
        string nixConf = HomeManagerEval.TextOf(result.GetProperty("nixConf").GetString()!);
        Assert.Contains("extra-substituters = https://attic.example.com/private\n", nixConf, StringComparison.Ordinal);
        Assert.Contains("extra-trusted-public-keys = home-private:AAAA=\n", nixConf, StringComparison.Ordinal);
        Assert.Contains("netrc-file = /home/alice/.config/nix/netrc\n", nixConf, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overlay_AsShown_GivesTheFlakesPackage()
    {
        Assert.Equal("nixpkgs.overlays = [ inputs.nix-watcher.overlays.default ];   # then pkgs.nix-watcher\n", Block("nixpkgs.overlays = [ inputs.nix-watcher.overlays.default ];   # then pkgs.nix-watcher"));

        var run = await HomeManagerEval.RunRawAsync(["--arg", "overlay", "true"], TestContext.Current.CancellationToken);

        Assert.True(HomeManagerEval.Parse(run.EnsureSuccess("hm-eval.nix --arg overlay true")).GetProperty("overlayGivesThePackage").GetBoolean());
    }

    [Fact]
    public void ProfileAndPlainUnit_AreTheCommandsTheOtherTestsCover()
    {
        // The flake's packages and apps: NixFilesTests; the unit file installed as shown: SystemdUnitTests.
        Assert.Contains("nix profile install .             # puts nix-watcher in ~/.nix-profile/bin\n", Operations, StringComparison.Ordinal);
        Assert.Contains("install -Dm644 systemd/nix-watcher.service ~/.config/systemd/user/nix-watcher.service\n", Operations, StringComparison.Ordinal);
        Assert.Contains("ExecStart=%h/.nix-profile/bin/nix-watcher run", File.ReadAllText(RepoFiles.UnitFile), StringComparison.Ordinal);
    }
}
