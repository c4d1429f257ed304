using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>Every Nix file parses, and the flake has the outputs users and CI rely on.</summary>
public sealed class NixFilesTests
{
    public static TheoryData<string> Files => [.. RepoFiles.NixFiles()];

    [Fact]
    public void Repository_HasThePackagingNixFiles()
    {
        string[] files = [.. RepoFiles.NixFiles()];

        Assert.Contains("flake.nix", files);
        Assert.Contains(Path.Combine("home-manager", "module.nix"), files);
        Assert.Contains(Path.Combine("nix", "package.nix"), files);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task NixFile_Parses(string file)
    {
        var result = await ProcessRunner.RunAsync("nix-instantiate", ["--parse", Path.Combine(RepoFiles.Root, file)], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, $"{file} does not parse:\n{result.StandardError}");
    }

    [Fact]
    public async Task Flake_Outputs_CoverBothSystemsAndEveryKind()
    {
        // nixpkgs cannot be fetched here: a stand-in with the two attributes the outputs' shape needs.
        string expression = $$"""
            let
              flake = import {{Path.Combine(RepoFiles.Root, "flake.nix")}};
              nixpkgs = {
                lib.genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
                legacyPackages = { };
              };
              outputs = flake.outputs { self = outputs; inherit nixpkgs; home-manager = { }; };
              names = v: if builtins.isAttrs v then builtins.attrNames v else builtins.typeOf v;
            in
            builtins.mapAttrs (_: v: if builtins.isAttrs v then builtins.mapAttrs (_: names) v else names v) outputs
            """;

        var result = await ProcessRunner.RunAsync("nix-instantiate", ["--eval", "--strict", "--json", "-E", expression], cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardError);
        string json = result.StandardOutput;
        foreach (string expected in new[]
        {
            "\"packages\":{\"aarch64-linux\":[\"default\",\"nix-watcher\"],\"x86_64-linux\":[\"default\",\"nix-watcher\"]}",
            "\"apps\":{\"aarch64-linux\":[\"default\"],\"x86_64-linux\":[\"default\"]}",
            "\"checks\":{\"aarch64-linux\":[\"home-manager-module\",\"package\"],\"x86_64-linux\":[\"home-manager-module\",\"package\"]}",
            "\"homeManagerModules\":{\"default\":\"lambda\"}",
            "\"overlays\":{\"default\":\"lambda\"}",
        })
        {
            Assert.Contains(expected, json, StringComparison.Ordinal);
        }
    }
}
