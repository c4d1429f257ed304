using System.Text.Json;
using Watcher.IntegrationTests.Fixtures;
using Watcher.IntegrationTests.Maintenance;
using Watcher.Nix;
using Watcher.State;

namespace Watcher.IntegrationTests.Cli;

/// <summary>
/// <c>nix-watcher verify</c> on a file cache damaged in every way it checks: each problem is named, <c>--repair</c>
/// pushes again what the local store has and removes the rest with its referrers, and real Nix then accepts the cache.
/// </summary>
[Collection(NixCollection.Name)]
public sealed class VerifyCommandTests
{
    private static readonly (string, string[])[] Graph =
    [
        ("truncated", []),
        ("no-nar", []),
        ("ref", []),
        ("referrer", ["ref"]),
        ("badsig", []),
        ("wrong", []),
        ("other", []),
        ("gone", []),
        ("gone-referrer", ["gone"]),
        ("intact", ["truncated"]),
    ];

    [Fact]
    public async Task VerifyRepair_DamagedFileCache_NamesEachProblemThenFixesOrPrunesUntilClean()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var paths = await StoreGraph.BuildAsync(Graph, ct);
        (await home.RunAsync(["push", .. paths.Values], ct)).EnsureSuccess("push");
        string NarInfo(string name) => Path.Combine(home.CacheDir, Path.GetFileName(paths[name])[..32] + ".narinfo");
        string NarOf(string name) => Path.Combine(home.CacheDir, Watcher.Nix.NarInfo.Parse(File.ReadAllText(NarInfo(name))).Url);

        File.WriteAllBytes(NarOf("truncated"), File.ReadAllBytes(NarOf("truncated"))[..10]);
        File.Delete(NarOf("no-nar"));
        File.Delete(NarInfo("ref"));
        var (otherKey, _) = NixSecretKey.Generate("someone-else-1");
        using (otherKey)
        {
            var info = Watcher.Nix.NarInfo.Parse(File.ReadAllText(NarInfo("badsig")));
            File.WriteAllText(NarInfo("badsig"), (info with { Signatures = [] }).SignedWith(otherKey).ToString());
        }

        File.Copy(NarInfo("other"), NarInfo("wrong"), overwrite: true);
        File.Delete(NarOf("gone"));
        await StoreGraph.DeleteAsync([paths["gone-referrer"], paths["gone"]], ct);
        string stateDir = Path.Combine(home.Root, ".local", "state", "nix-watcher");
        using (var state = StateStore.Open(stateDir))
        {
            state.MarkPushed("local", paths.Values.Select(p => StorePath.Parse(p)));
        }

        var verify = await home.RunAsync(["verify"], ct);

        Assert.True(verify.ExitCode == 1, verify.StandardOutput + verify.StandardError);
        Assert.Contains($"{paths["truncated"]}: nar-size: nar/", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{paths["no-nar"]}: nar-missing: nar/", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{paths["referrer"]}: reference-missing: {Path.GetFileName(paths["ref"])[..32]}.narinfo: its reference {paths["ref"]} has no narinfo", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{paths["badsig"]}: bad-signature: ", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"(unknown path): wrong-path: {Path.GetFileName(paths["wrong"])[..32]}.narinfo: holds the narinfo of {paths["other"]}", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{paths["gone"]}: nar-missing: nar/", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("verify: 6 problems", verify.StandardOutput, StringComparison.Ordinal);
        using (var state = StateStore.Open(stateDir))
        {
            // The journal trusts the cache: what is not whole there (with whatever refers to it) is forgotten.
            var pushed = state.PushedPaths("local");
            Assert.DoesNotContain(paths["truncated"], pushed);
            Assert.DoesNotContain(paths["intact"], pushed);
            Assert.Contains(paths["other"], pushed);
        }

        var deep = await home.RunAsync(["verify", "--deep", "--json"], ct);

        Assert.Equal(1, deep.ExitCode);
        using (var json = JsonDocument.Parse(deep.StandardOutput))
        {
            var kinds = json.RootElement.GetProperty("caches")[0].GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("kind").GetString()).Order().ToList();
            Assert.Equal(["bad-signature", "nar-missing", "nar-missing", "nar-size", "reference-missing", "wrong-path"], kinds);
            Assert.False(json.RootElement.GetProperty("clean").GetBoolean());
        }

        var repair = await home.RunAsync(["verify", "--repair"], ct);

        Assert.True(repair.ExitCode == 0, repair.StandardOutput + repair.StandardError);
        Assert.Contains($"repair: delete-nar nar/", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"repair: remove-narinfo {paths["gone-referrer"]}: refers to {paths["gone"]}, which is removed", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"repair: remove-narinfo {paths["gone"]}: nar-missing and not in the local store", repair.StandardOutput, StringComparison.Ordinal);
        foreach (string name in (string[])["truncated", "no-nar", "badsig", "wrong"])
        {
            Assert.Contains($"repair: push {paths[name]}: pushed again from the local store", repair.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Contains($"repair: push {paths["ref"]}: was missing; pushed from the local store", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("after repair: clean", repair.StandardOutput, StringComparison.Ordinal);
        Assert.True(repair.StandardOutput.IndexOf(paths["gone-referrer"], StringComparison.Ordinal) < repair.StandardOutput.IndexOf($"remove-narinfo {paths["gone"]}", StringComparison.Ordinal), repair.StandardOutput);

        var after = await home.RunAsync(["verify", "--deep"], ct);
        Assert.True(after.ExitCode == 0, after.StandardOutput + after.StandardError);
        using (var state = StateStore.Open(stateDir))
        {
            var pushed = state.PushedPaths("local");
            Assert.DoesNotContain(paths["gone"], pushed);
            Assert.DoesNotContain(paths["gone-referrer"], pushed);
            Assert.Contains(paths["truncated"], pushed);
        }

        string store = Path.Combine(home.Root, "fresh-store");
        string[] kept = [.. paths.Where(p => !p.Key.StartsWith("gone", StringComparison.Ordinal)).Select(p => p.Value)];
        var copy = await NixVerifier.SubstituteAsync("file://" + home.CacheDir, GcCommandTests.PublicKey(home), store, kept, ct);
        Assert.True(copy.ExitCode == 0, copy.StandardError);
    }

    [Fact]
    public async Task VerifyRepair_DamagedPathTheConfigExcludes_IsNotPushedAndSaysWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new WatcherHome();
        var paths = await StoreGraph.BuildAsync([("kept", []), ("private", [])], ct);
        (await home.RunAsync(["push", .. paths.Values], ct)).EnsureSuccess("push");
        foreach (string path in paths.Values)
        {
            string nar = Path.Combine(home.CacheDir, Watcher.Nix.NarInfo.Parse(File.ReadAllText(Path.Combine(home.CacheDir, Path.GetFileName(path)[..32] + ".narinfo"))).Url);
            File.WriteAllBytes(nar, File.ReadAllBytes(nar)[..10]);
        }

        // Since the push, the configuration keeps "private" out of every cache: a repair must not push it either.
        Directory.CreateDirectory(home.ConfigDir);
        File.WriteAllText(Path.Combine(home.ConfigDir, "config.toml"), "[watch]\nexclude = [\"-private$\"]\n");

        var repair = await home.RunAsync(["verify", "--repair"], ct);

        Assert.True(repair.ExitCode == 1, repair.StandardOutput + repair.StandardError);
        Assert.Contains($"repair: push {paths["kept"]}: pushed again from the local store", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"repair: excluded {paths["private"]}: not pushed: it matches exclude or skip-derivations", repair.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain($"repair: push {paths["private"]}", repair.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{paths["private"]}: nar-missing", repair.StandardOutput, StringComparison.Ordinal);
    }
}
