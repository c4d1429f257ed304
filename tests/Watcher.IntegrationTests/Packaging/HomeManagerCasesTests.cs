using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;

namespace Watcher.IntegrationTests.Packaging;

/// <summary>
/// The flake's home-manager module in real home-manager, through its own <c>homeManagerConfiguration</c>, with every
/// configuration of <c>nix/home-manager-cases.nix</c> (what <c>flake.nix</c>'s checks evaluate): a file, an S3 and an
/// Attic cache, standalone and under the NixOS module, with substituters, metrics and retention off and on. Each passes
/// home-manager's assertions, instantiates its activation package, and installs the unit of
/// <c>systemd/nix-watcher.service</c> key by key.
/// </summary>
public sealed class HomeManagerCasesTests
{
    private const string Home = "/home/alice";
    private const string PublicKey = "alice-1:AAAAC3NzaC1lZDI1NTE5AAAAIJzBtp7vE9pgn4Wz0F9m+YwDpM6x2fQ4Q1A0cL2Hz1bG=";

    private static readonly Lazy<Task<JsonElement>> Evaluated = new(
        async () => HomeManagerEval.Parse((await HomeManagerEval.RunRawAsync(["--arg", "cases", "true", "--argstr", "home", Home], CancellationToken.None))
            .EnsureSuccess("hm-eval.nix --arg cases true")));

    private static readonly Dictionary<string, string> Substituters = new(StringComparer.Ordinal)
    {
        ["file"] = "file:///home/alice/nix-cache",
        ["s3"] = "s3://nix-cache?region=eu-1&endpoint=s3.homelab.local:9000&scheme=https&profile=nixbuilder",
        ["attic"] = "https://attic.example.com/private",
    };

    public static TheoryData<string> Names =>
    [
        .. from cache in new[] { "attic", "file", "s3" }
           from variant in new[] { "full", "plain" }
           from mode in new[] { "nixos", "standalone" }
           select $"{cache}-{variant}-{mode}",
    ];

    [Fact]
    public async Task Cases_AreEveryCacheTypeStandaloneAndUnderNixOS()
    {
        JsonElement cases = await Evaluated.Value;

        Assert.Equal(Names.Select(n => (string)n.Data), cases.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Case_InstantiatesTheActivationPackage_AndInstallsThePlainUnitKeyByKey(string name)
    {
        JsonElement result = (await Evaluated.Value).GetProperty(name);
        var plain = new UnitFile(await File.ReadAllTextAsync(RepoFiles.UnitFile, TestContext.Current.CancellationToken));
        var installed = new UnitFile(HomeManagerEval.TextOf(result.GetProperty("unitDrvs").GetProperty("nix-watcher").GetString()!));
        string package = result.GetProperty("package").GetString()!;
        string configFile = result.GetProperty("configFile").GetString()!;

        Assert.EndsWith("-home-manager-generation.drv", result.GetProperty("drvPath").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(result.GetProperty("drvPath").GetString()), "the activation package was not instantiated");
        foreach (string section in new[] { "Unit", "Service", "Install" })
        {
            foreach (var group in plain.Section(section).GroupBy(e => e.Key))
            {
                var values = installed.All(section, group.Key);
                switch (group.Key)
                {
                    case "ExecStart":
                        Assert.Equal([$"{package}/bin/nix-watcher --config {configFile} run"], values);
                        break;
                    case "ReadWritePaths":
                        Assert.Equal([.. group.Select(e => e.Value), .. name.StartsWith("file-", StringComparison.Ordinal) ? ["-/home/alice/nix-cache"] : Array.Empty<string>()], values);
                        break;
                    default:
                        Assert.True(group.Select(e => e.Value).SequenceEqual(values), $"{name}: [{section}] {group.Key}= is [{string.Join(", ", values)}], the plain unit has [{string.Join(", ", group.Select(e => e.Value))}]");
                        break;
                }
            }
        }

        Assert.Contains("systemd/user/default.target.wants/nix-watcher.service", HomeManagerEval.Values(result.GetProperty("unitLinks")));
        if (name.StartsWith("file-", StringComparison.Ordinal))
        {
            Assert.Equal(["d /home/alice/nix-cache 0700 - - -"], HomeManagerEval.Values(result.GetProperty("tmpfiles")));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Case_WritesNixConfOnlyWithANixPackage_AndOtherwiseWarnsWithItsLines(string name)
    {
        JsonElement result = (await Evaluated.Value).GetProperty(name);
        string cache = name[..name.IndexOf('-', StringComparison.Ordinal)];
        string[] lines =
        [
            $"extra-substituters = {Substituters[cache]}",
            $"extra-trusted-public-keys = {PublicKey}",
            "netrc-file = /home/alice/.config/nix/netrc",
        ];
        string[] warnings = [.. HomeManagerEval.Values(result.GetProperty("warnings"))];

        if (name.Contains("-plain-", StringComparison.Ordinal))
        {
            Assert.Equal(JsonValueKind.Null, result.GetProperty("nixConf").ValueKind);
            Assert.Empty(warnings);
        }
        else if (name.EndsWith("-nixos", StringComparison.Ordinal))
        {
            string nixConf = HomeManagerEval.TextOf(result.GetProperty("nixConf").GetString()!);
            Assert.Empty(warnings);
            Assert.Equal(lines, nixConf.Split('\n').Where(l => l.Length > 0 && l[0] != '#'));
        }
        else
        {
            Assert.Equal(JsonValueKind.Null, result.GetProperty("nixConf").ValueKind);
            string warning = Assert.Single(warnings);
            Assert.Contains("nix.package", warning, StringComparison.Ordinal);
            Assert.EndsWith(string.Join('\n', lines), warning, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Case_RendersMetricsAndRetentionAsConfigured(string name)
    {
        JsonElement result = (await Evaluated.Value).GetProperty(name);
        string toml = result.GetProperty("toml").GetString()!;
        bool full = name.Contains("-full-", StringComparison.Ordinal);

        Assert.Contains(full ? "listen = \"127.0.0.1:9500\"" : "listen = \"\"", toml, StringComparison.Ordinal);
        Assert.Equal(full && !name.StartsWith("attic-", StringComparison.Ordinal), toml.Contains(".retention]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Substituters_WithoutKeys_WriteNoEmptyKeyLine()
    {
        var ct = TestContext.Current.CancellationToken;

        JsonElement result = await HomeManagerEval.EvaluateAsync("""{ settings.caches.local = { type = "file"; path = "/srv/cache"; }; substituters.enable = true; }""", Home, ct, nixos: true);
        string nixConf = HomeManagerEval.TextOf(result.GetProperty("nixConf").GetString()!);

        Assert.Contains("extra-substituters = file:///srv/cache\n", nixConf, StringComparison.Ordinal);
        Assert.DoesNotContain("extra-trusted-public-keys", nixConf, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\S+ = $", nixConf);
    }

    [Fact]
    public async Task UnitReader_GivesListsForRepeatedAndListValuedKeys()
    {
        var ct = TestContext.Current.CancellationToken;
        string unit = Path.Combine(Path.GetTempPath(), $"unit-reader-{Guid.NewGuid():N}.service");
        await File.WriteAllTextAsync(unit, "[Service]\nType=notify\nReadWritePaths=/a\nReadWritePaths=/b\nReadOnlyPaths=/c\n[Install]\nWantedBy=default.target\nRequiredBy=x.target\n", ct);
        try
        {
            var run = await ProcessRunner.RunAsync(
                "nix-instantiate",
                ["--eval", "--strict", "--json", "-E", $"import {Path.Combine(RepoFiles.Root, "home-manager", "unit.nix")} {unit}"],
                cancellationToken: ct);

            Assert.Equal(
                """{"Install":{"RequiredBy":["x.target"],"WantedBy":["default.target"]},"Service":{"ReadOnlyPaths":["/c"],"ReadWritePaths":["/a","/b"],"Type":"notify"}}""",
                run.EnsureSuccess("unit.nix").StandardOutput.Trim());
        }
        finally
        {
            File.Delete(unit);
        }
    }

    [Fact]
    public async Task Tmpfiles_OnAHomeManagerWithSettingsInsteadOfRules_UsesSettings()
    {
        var ct = TestContext.Current.CancellationToken;
        // home-manager releases that replaced systemd.user.tmpfiles.rules by NixOS' `settings` shape.
        const string Configuration = """
            { lib, ... }:
            let entry = lib.types.submodule { options = lib.genAttrs [ "mode" "user" "group" "age" "argument" ] (_: lib.mkOption { type = lib.types.str; default = "-"; }); };
            in {
              disabledModules = [ "misc/tmpfiles.nix" "programs/pimsync" ];
              options.systemd.user.tmpfiles.settings = lib.mkOption { type = lib.types.attrsOf (lib.types.attrsOf (lib.types.attrsOf entry)); default = { }; };
              config.services.nix-watcher = { enable = true; settings.caches.local = { type = "file"; path = "/srv/cache"; }; };
            }
            """;

        var run = await HomeManagerEval.RunRawAsync(["--arg", "configuration", Configuration, "--argstr", "home", Home, "--arg", "nixos", "false"], ct);
        run.EnsureSuccess("hm-eval.nix");

        JsonElement result = HomeManagerEval.Parse(run);
        JsonElement entry = result.GetProperty("tmpfilesSettings").GetProperty("nix-watcher").GetProperty("/srv/cache").GetProperty("d");
        Assert.Equal("0700", entry.GetProperty("mode").GetString());
        Assert.Equal("-", entry.GetProperty("user").GetString());
        Assert.Contains("-/srv/cache", HomeManagerEval.Values(result.GetProperty("service").GetProperty("Service").GetProperty("ReadWritePaths")));
    }
}
